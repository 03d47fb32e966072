import type { IMessageType } from '@protobuf-ts/runtime';
import { Struct } from '../../gen/google/protobuf/struct';
import { Timestamp } from '../../gen/google/protobuf/timestamp';
import { StreamVideoError } from '../errors/stream-video-error';

/** A JSON value, as in custom data. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
/** A JSON object: what `custom` holds. */
export type JsonObject = { [key: string]: JsonValue };

/**
 * The plain form of a wire message type: the same fields, with `google.protobuf.Struct`
 * (custom data) as a {@link JsonObject} and `google.protobuf.Timestamp` as a `Date`, at any
 * depth. A field added to the schema appears here by itself.
 */
export type Plain<T> = T extends Timestamp
  ? Date
  : T extends Struct
    ? JsonObject
    : T extends Uint8Array
      ? T
      : T extends readonly (infer U)[]
        ? Plain<U>[]
        : T extends object
          ? { [K in keyof T]: Plain<T[K]> }
          : T;

type Convert = (value: unknown) => unknown;

/** What converting a message type takes: its fields that hold a Struct or a Timestamp somewhere below. */
interface Plan {
  readonly fields: readonly { readonly name: string; readonly oneof: string | undefined; readonly shape: 'one' | 'list' | 'map'; readonly convert: Convert }[];
}

const PLANS = new Map<IMessageType<object>, Plan | null>();

function toDate(value: unknown): Date {
  const ts = value as Timestamp;
  return new Date(ts.seconds * 1000 + Math.floor(ts.nanos / 1e6));
}

function toJson(value: unknown): JsonObject {
  try {
    return Struct.toJson(value as Struct) as JsonObject;
  } catch (err) {
    throw new StreamVideoError('dataloss', 'custom data that JSON cannot hold (NaN, an infinity, a value of no kind)', { cause: err });
  }
}

/** How to convert a value of message type `T`, or `undefined` when it holds nothing to convert. */
function converterOf(T: IMessageType<object>): Convert | undefined {
  if (T === (Timestamp as IMessageType<object>)) return toDate;
  if (T === (Struct as IMessageType<object>)) return toJson;
  return planOf(T) ? (value) => convertMessage(T, value as object) : undefined;
}

function planOf(type: IMessageType<object>): Plan | null {
  const known = PLANS.get(type);
  if (known !== undefined) return known;
  PLANS.set(type, null); // a type that refers to itself converts nothing through that reference
  const fields: Plan['fields'][number][] = [];
  for (const field of type.fields) {
    const message = field.kind === 'message' ? field.T() : field.kind === 'map' && field.V.kind === 'message' ? field.V.T() : undefined;
    const convert = message && converterOf(message as IMessageType<object>);
    if (!convert) continue;
    fields.push({ name: field.localName, oneof: field.oneof, shape: field.kind === 'map' ? 'map' : field.repeat ? 'list' : 'one', convert });
  }
  const plan = fields.length > 0 ? { fields } : null;
  PLANS.set(type, plan);
  return plan;
}

function convertField(value: unknown, shape: 'one' | 'list' | 'map', convert: Convert): unknown {
  if (shape === 'list') return (value as unknown[]).map(convert);
  if (shape === 'map') return Object.fromEntries(Object.entries(value as object).map(([k, v]) => [k, convert(v)]));
  return convert(value);
}

function convertMessage(type: IMessageType<object>, message: object): object {
  const plan = planOf(type);
  if (!plan) return message;
  const source = message as Record<string, unknown>;
  // Copied once a field needs converting (Object.assign: a spread of a decoded message, then
  // written to, is several times slower); a message whose convertible fields are all unset is returned as it is.
  let out: Record<string, unknown> | undefined;
  for (const { name, oneof, shape, convert } of plan.fields) {
    if (oneof) {
      const group = source[oneof] as { oneofKind?: string; [k: string]: unknown } | undefined;
      if (group?.oneofKind === name) (out ??= Object.assign({}, source))[oneof] = { oneofKind: name, [name]: convertField(group[name], shape, convert) };
      continue;
    }
    const value = source[name];
    if (value !== undefined) (out ??= Object.assign({}, source))[name] = convertField(value, shape, convert);
  }
  return out ?? message;
}

/**
 * The plain form of `message`, a message of `type`: custom data (`Struct`) as JSON objects
 * and times (`Timestamp`) as `Date`s, at any depth; every other field as it is. A message
 * with nothing to convert is returned as it is. This is the one place where the wire's
 * messages become what the facade hands out.
 *
 * ```ts
 * const call = toPlain(CallState, response.call!); // call.call.createdAt is a Date, call.call.custom JSON
 * ```
 * @param type the generated message type, e.g. `CallState`.
 * @param message a message of that type.
 * @throws StreamVideoError `dataloss` for custom data that JSON cannot hold.
 */
export function toPlain<T extends object>(type: IMessageType<T>, message: T): Plain<T> {
  return convertMessage(type, message) as Plain<T>;
}
