/**
 * MongoDB-like filters for the local coordinator's QueryCalls / QueryMembers RPCs,
 * with the semantics of Stream's query API.
 *
 * ```ts
 * const match = compileFilter<Call>(
 *   { type: 'default', $or: [{ created_at: { $gte: '2024-01-01T00:00:00Z' } }, { members: 'bob' }] },
 *   {
 *     type: { kind: 'string', get: (c) => c.type },
 *     created_at: { kind: 'time', get: (c) => c.createdAt },
 *     members: { kind: 'string[]', get: (c) => c.memberIds },
 *   },
 * );
 * calls.filter(match);
 * ```
 *
 * Grammar:
 * - A filter is a JSON object; an empty or `undefined` filter matches every item.
 * - Its keys are ANDed. A key is a field name, `$and` or `$or`; the value of `$and` / `$or`
 *   is a non-empty array of filters.
 * - A field's value is either a plain value (shorthand for `$eq`) or a non-empty object of
 *   operators `$eq $ne $in $nin $gt $gte $lt $lte` (ANDed). `$in` / `$nin` take an array.
 * - Operands are checked against the field's kind when compiling: strings for `string` and
 *   `string[]`, finite numbers for `number`, booleans for `boolean`, and for `time` either
 *   an RFC 3339 string or a finite number of epoch milliseconds.
 * - `string[]` fields: `$eq` means "contains", `$ne` "does not contain", `$in` "contains
 *   at least one of", `$nin` "contains none of".
 * - Ordering operators are not allowed on `boolean` and `string[]` fields. Strings are
 *   ordered by UTF-16 code units.
 * - A NaN value (e.g. an unset time) never matches `$eq $gt $gte $lt $lte $in` and always
 *   matches `$ne $nin`.
 * - Nesting: the filter itself is level 1 and each `$and` / `$or` adds a level; more than
 *   {@link MAX_FILTER_DEPTH} levels is rejected.
 *
 * Every malformed filter throws a {@link TwirpError} `invalid_argument` with
 * `meta.argument = 'filter_conditions'`.
 */
import { TwirpError } from '../twirp/twirp-error';

export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };
export type JsonObject = { [k: string]: JsonValue };

/** What a field of an item reads as; `kind` decides how filter values are compared. */
export type FieldSpec<T> =
  | { kind: 'string'; get: (item: T) => string }
  | { kind: 'number'; get: (item: T) => number }
  | { kind: 'boolean'; get: (item: T) => boolean }
  | { kind: 'time'; get: (item: T) => number /* epoch ms, NaN when unset */ }
  | { kind: 'string[]'; get: (item: T) => readonly string[] }; // e.g. member user ids

export type Predicate<T> = (item: T) => boolean;

/** How many levels of `$and` / `$or` a filter may have (the filter itself is level 1). */
export const MAX_FILTER_DEPTH = 8;

const ARGUMENT = 'filter_conditions';

type Operator = '$eq' | '$ne' | '$in' | '$nin' | '$gt' | '$gte' | '$lt' | '$lte';
const OPERATORS: ReadonlySet<string> = new Set<Operator>(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte']);
const ORDERING: ReadonlySet<string> = new Set<Operator>(['$gt', '$gte', '$lt', '$lte']);

type Kind = FieldSpec<unknown>['kind'];
type Scalar = string | number | boolean;

function fail(why: string): TwirpError {
  return new TwirpError('invalid_argument', `${ARGUMENT}: ${why}`, { argument: ARGUMENT });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  switch (typeof value) {
    case 'object':
      return 'an object';
    case 'string':
      return `string ${JSON.stringify(value)}`;
    case 'number':
      return Number.isFinite(value) ? `number ${value}` : String(value);
    case 'boolean':
    case 'bigint':
      return `${typeof value} ${value}`;
    case 'symbol':
      return `symbol ${String(value)}`;
    default:
      return typeof value; // a function, undefined
  }
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;

/** Epoch ms of an RFC 3339 timestamp, or NaN when `text` is not one (or names an impossible date). */
export function parseRfc3339(text: string): number {
  const m = RFC3339.exec(text);
  if (!m) return NaN;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (month < 1 || month > 12 || day < 1) return NaN;
  // Date.parse rolls e.g. Feb 30 over into March; reject such dates instead.
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (day > daysInMonth) return NaN;
  return Date.parse(text.toUpperCase());
}

/** Checks and converts one operand for a field of `kind`. */
function operand(kind: Kind, field: string, op: string, value: unknown): Scalar {
  const bad = (expected: string) => fail(`field "${field}" expects ${expected} for ${op}, got ${describe(value)}`);
  switch (kind) {
    case 'string':
    case 'string[]':
      if (typeof value !== 'string') throw bad('a string');
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad('a finite number');
      return value;
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('a boolean');
      return value;
    case 'time': {
      if (typeof value === 'number' && Number.isFinite(value)) return value;
      if (typeof value === 'string') {
        const ms = parseRfc3339(value);
        if (!Number.isNaN(ms)) return ms;
      }
      throw bad('an RFC 3339 timestamp or epoch milliseconds');
    }
  }
}

/** A predicate on the value a field reads as. */
function compileOperator(kind: Kind, field: string, op: string, raw: unknown): (value: never) => boolean {
  if (!OPERATORS.has(op)) throw fail(`unknown operator ${JSON.stringify(op)} on field "${field}"`);
  if (ORDERING.has(op) && (kind === 'boolean' || kind === 'string[]')) {
    throw fail(`operator ${op} is not allowed on ${kind} field "${field}"`);
  }

  if (op === '$in' || op === '$nin') {
    if (!Array.isArray(raw)) throw fail(`field "${field}" expects an array for ${op}, got ${describe(raw)}`);
    const set = new Set<Scalar>(raw.map((v) => operand(kind, field, op, v)));
    if (kind === 'string[]') {
      const containsAny = (values: readonly string[]) => {
        for (const v of values) if (set.has(v)) return true;
        return false;
      };
      return op === '$in' ? containsAny : (values: readonly string[]) => !containsAny(values);
    }
    // Set.has(NaN) is false for sets without NaN, and operands are never NaN.
    return op === '$in' ? (v: Scalar) => set.has(v) : (v: Scalar) => !set.has(v);
  }

  const x = operand(kind, field, op, raw);
  if (kind === 'string[]') {
    return op === '$eq' ? (values: readonly string[]) => values.includes(x as string) : (values: readonly string[]) => !values.includes(x as string);
  }
  // Comparisons with NaN are false, so an unset time only matches $ne.
  switch (op as Operator) {
    case '$eq':
      return (v: Scalar) => v === x;
    case '$ne':
      return (v: Scalar) => v !== x;
    case '$gt':
      return (v: Scalar) => v > x;
    case '$gte':
      return (v: Scalar) => v >= x;
    case '$lt':
      return (v: Scalar) => v < x;
    default:
      return (v: Scalar) => v <= x;
  }
}

function all<T>(preds: Predicate<T>[]): Predicate<T> {
  switch (preds.length) {
    case 0:
      return () => true;
    case 1:
      return preds[0];
    case 2: {
      const [a, b] = preds as [Predicate<T>, Predicate<T>];
      return (item) => a(item) && b(item);
    }
    default:
      return (item) => {
        for (const p of preds) if (!p(item)) return false;
        return true;
      };
  }
}

function any<T>(preds: Predicate<T>[]): Predicate<T> {
  if (preds.length === 1) return preds[0];
  return (item) => {
    for (const p of preds) if (p(item)) return true;
    return false;
  };
}

function compileField<T>(field: string, spec: FieldSpec<T>, condition: unknown): Predicate<T> {
  const get = spec.get as (item: T) => never;
  if (!isPlainObject(condition)) {
    // Shorthand for $eq.
    const eq = compileOperator(spec.kind, field, '$eq', condition);
    return (item) => eq(get(item));
  }
  const ops = Object.keys(condition);
  if (ops.length === 0) throw fail(`field "${field}" has an empty operator object`);
  const tests = ops.map((op) => compileOperator(spec.kind, field, op, condition[op]));
  if (tests.length === 1) {
    const t = tests[0];
    return (item) => t(get(item));
  }
  return (item) => {
    const value = get(item);
    for (const t of tests) if (!t(value)) return false;
    return true;
  };
}

function compileObject<T>(filter: unknown, fields: Record<string, FieldSpec<T>>, depth: number): Predicate<T> {
  if (depth > MAX_FILTER_DEPTH) throw fail(`nested deeper than ${MAX_FILTER_DEPTH} levels`);
  if (!isPlainObject(filter)) throw fail(`a filter must be an object, got ${describe(filter)}`);
  const preds: Predicate<T>[] = [];
  for (const key of Object.keys(filter)) {
    const value = filter[key];
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) {
        throw fail(`${key} must be a non-empty array of filter objects`);
      }
      const parts = value.map((sub) => {
        if (!isPlainObject(sub)) throw fail(`${key} must be a non-empty array of filter objects, got an element that is ${describe(sub)}`);
        return compileObject(sub, fields, depth + 1);
      });
      preds.push(key === '$and' ? all(parts) : any(parts));
    } else if (Object.prototype.hasOwnProperty.call(fields, key)) {
      preds.push(compileField(key, fields[key], value));
    } else if (key.startsWith('$')) {
      throw fail(`unknown operator ${JSON.stringify(key)}`);
    } else {
      throw fail(`unknown field ${JSON.stringify(key)}`);
    }
  }
  return all(preds);
}

/**
 * Compiles `filter` once into a predicate over items whose fields are described by `fields`.
 * Throws {@link TwirpError} `invalid_argument` (argument `filter_conditions`) for a malformed filter.
 */
export function compileFilter<T>(filter: JsonObject | undefined, fields: Record<string, FieldSpec<T>>): Predicate<T> {
  if (filter === undefined) return () => true;
  return compileObject(filter, fields, 1);
}
