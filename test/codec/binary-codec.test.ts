/**
 * The binary protobuf codec under gen/ (src/codec): every generated message type is the
 * codec's, and for random messages of every type it writes the same bytes, reads the same
 * messages, creates the same defaults and (with the reflection extras) maps to the same JSON
 * as protobuf-ts's own `MessageType` built from the same field information.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { MessageType as FullMessageType, ScalarType, type FieldInfo, type IMessageType } from '@protobuf-ts/runtime';
import * as models from '../../gen/stream/video/coordinator/v1/models';
import * as events from '../../gen/stream/video/coordinator/v1/events';
import * as service from '../../gen/stream/video/coordinator/v1/coordinator_service';
import * as struct from '../../gen/google/protobuf/struct';
import * as timestamp from '../../gen/google/protobuf/timestamp';
import { MessageType, useReflectionExtras } from '../../src/codec/message-type';
import { enableReflectionExtras, REFLECTION_EXTRAS } from '../../src/codec/reflection-extras';
import { CODEC_RUNTIME, codecRedirect } from '../../src/codec/resolve-hook.mjs';

const SEED = 515151;
const RUNS = 60;

type AnyType = IMessageType<object>;
const isWellKnown = (t: AnyType) => t.typeName.startsWith('google.protobuf.');

const codecTypes: AnyType[] = [models, events, service, struct, timestamp].flatMap((mod) =>
  Object.values(mod).filter((v): v is AnyType => v instanceof MessageType),
);

/** protobuf-ts's own MessageType for `type` (nested types too; well-known types stay, they carry their own JSON). */
const fullTypes = new Map<AnyType, AnyType>();
function full(type: AnyType): AnyType {
  if (isWellKnown(type)) return type;
  let t = fullTypes.get(type);
  if (!t) {
    const fields = type.fields.map((f) => (f.kind === 'message' ? { ...f, T: () => full(f.T() as AnyType) } : f));
    t = new FullMessageType(type.typeName, fields) as AnyType;
    fullTypes.set(type, t);
  }
  return t;
}

const MAX_INT64 = 2 ** 53 - 1;
function scalar(t: ScalarType): fc.Arbitrary<unknown> {
  switch (t) {
    case ScalarType.DOUBLE:
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case ScalarType.FLOAT:
      return fc.float({ noNaN: true, noDefaultInfinity: true });
    case ScalarType.BOOL:
      return fc.boolean();
    case ScalarType.STRING:
      return fc.string({ maxLength: 12 });
    case ScalarType.BYTES:
      return fc.uint8Array({ maxLength: 8 });
    case ScalarType.INT32:
    case ScalarType.SINT32:
    case ScalarType.SFIXED32:
      return fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 });
    case ScalarType.UINT32:
    case ScalarType.FIXED32:
      return fc.integer({ min: 0, max: 2 ** 32 - 1 });
    case ScalarType.UINT64:
    case ScalarType.FIXED64:
      return fc.integer({ min: 0, max: MAX_INT64 });
    default:
      return fc.integer({ min: -MAX_INT64, max: MAX_INT64 });
  }
}

function valueOf(field: FieldInfo, depth: number): fc.Arbitrary<unknown> {
  switch (field.kind) {
    case 'scalar':
      return scalar(field.T);
    case 'enum':
      return fc.constantFrom(...Object.values(field.T()[1]).filter((v): v is number => typeof v === 'number'));
    case 'message':
      return messageOf(field.T() as AnyType, depth - 1);
    case 'map': {
      const value = field.V.kind === 'scalar' ? scalar(field.V.T) : field.V.kind === 'enum' ? fc.constant(0) : messageOf(field.V.T() as AnyType, depth - 1);
      return fc.dictionary(fc.string({ minLength: 1, maxLength: 6 }), value, { maxKeys: 3 });
    }
  }
}

/** A random message of `type`, message fields down to `depth` levels. */
function messageOf(type: AnyType, depth = 3): fc.Arbitrary<object> {
  if (type === timestamp.Timestamp) {
    // The JSON mapping only holds years 1 to 9999.
    return fc.record({ seconds: fc.integer({ min: -62135596800, max: 253402300799 }), nanos: fc.integer({ min: 0, max: 999_999_999 }) }).map((v) => type.create(v));
  }
  const plain: Record<string, fc.Arbitrary<unknown>> = {};
  const oneofs = new Map<string, FieldInfo[]>();
  for (const f of type.fields) {
    if (f.oneof) oneofs.set(f.oneof, [...(oneofs.get(f.oneof) ?? []), f]);
    else if (f.kind === 'message' && !f.repeat) plain[f.localName] = depth > 0 ? fc.option(valueOf(f, depth), { nil: undefined }) : fc.constant(undefined);
    else if (f.repeat) plain[f.localName] = f.kind === 'message' && depth <= 0 ? fc.constant([]) : fc.array(valueOf(f, depth), { maxLength: 3 });
    else plain[f.localName] = f.opt ? fc.option(valueOf(f, depth), { nil: undefined }) : valueOf(f, depth);
  }
  for (const [name, members] of oneofs) {
    const cases = members.filter((m) => m.kind !== 'message' || depth > 0).map((m) => valueOf(m, depth).map((v) => ({ oneofKind: m.localName, [m.localName]: v })));
    plain[name] = fc.oneof(fc.constant({ oneofKind: undefined }), ...cases);
  }
  return fc.record(plain).map((v) => {
    for (const k of Object.keys(v)) if (v[k] === undefined) delete v[k];
    return type.create(v as never);
  });
}

const check = (property: fc.IProperty<[object]>) => fc.assert(property, { seed: SEED, numRuns: RUNS });

test('the generated code runs on the binary codec (the test runner resolves gen/ the way the build does)', () => {
  assert.ok(codecTypes.length >= 60, `${codecTypes.length} message types on the binary codec: run with --import ./src/codec/register.mjs (npm test does)`);
  for (const type of codecTypes) assert.ok(!(type instanceof FullMessageType), `${type.typeName} is protobuf-ts's own MessageType`);
  assert.is(codecRedirect('@protobuf-ts/runtime', `${process.cwd()}/gen/stream/video/coordinator/v1/events.ts`), CODEC_RUNTIME);
  assert.is(codecRedirect('@protobuf-ts/runtime', `${process.cwd()}/src/ws/frames.ts`), undefined, 'only gen/ is redirected');
  assert.is(codecRedirect('@protobuf-ts/runtime-rpc', `${process.cwd()}/gen/stream/video/coordinator/v1/coordinator_service.ts`), undefined);
});

test('create() gives the same defaults as protobuf-ts for every type', () => {
  for (const type of codecTypes) assert.equal(type.create(), full(type).create(), type.typeName);
});

test('random messages of every type: same bytes written, same messages read', () => {
  for (const type of codecTypes) {
    const other = full(type);
    check(fc.property(messageOf(type), (message) => {
      const bytes = type.toBinary(message);
      assert.equal(bytes, other.toBinary(message), `${type.typeName}: bytes`);
      const read = type.fromBinary(bytes);
      assert.equal(read, other.fromBinary(bytes), `${type.typeName}: read back`);
      assert.equal(type.toBinary(read), bytes, `${type.typeName}: rewritten`);
    }));
  }
});

test('with the reflection extras: the same JSON as protobuf-ts, and back', () => {
  enableReflectionExtras();
  for (const type of codecTypes) {
    const other = full(type);
    check(fc.property(messageOf(type), (message) => {
      let expected: unknown;
      try {
        expected = other.toJson(message);
      } catch (err) {
        // What JSON cannot hold (a Struct value of no kind) fails the same way.
        assert.throws(() => type.toJson(message), (e: Error) => e.message === (err as Error).message);
        return;
      }
      const json = type.toJson(message);
      assert.equal(json, expected, `${type.typeName}: JSON`);
      assert.equal(type.fromJson(json), other.fromJson(json), `${type.typeName}: from JSON`);
      assert.ok(type.is(type.fromJson(json)), `${type.typeName}: is()`);
      assert.ok(type.equals(type.fromJson(json), message), `${type.typeName}: equals()`);
    }));
  }
});

test('without the extras: JSON of an ordinary message fails clearly; Struct and Timestamp keep theirs', () => {
  useReflectionExtras(undefined);
  try {
    const event = events.Event.create({ seq: 3, callCid: 'default:c1' });
    assert.throws(() => events.Event.toJson(event), /stream\.video\.coordinator\.v1\.Event: JSON is not part of the binary protobuf codec/);
    assert.throws(() => events.Event.fromJsonString('{"seq":3}'), /Event: JSON is not part of the binary protobuf codec/);
    assert.throws(() => events.Event.equals(event, event), /Event: equals\(\) is not part/);
    assert.equal(events.Event.fromBinary(events.Event.toBinary(event)), event, 'binary needs nothing more');
    const custom = struct.Struct.fromJson({ n: 1, list: [true, null, 'x'], nested: { a: 'b' } });
    assert.equal(struct.Struct.toJson(custom), { n: 1, list: [true, null, 'x'], nested: { a: 'b' } });
    assert.is(timestamp.Timestamp.toJson(timestamp.Timestamp.create({ seconds: 1_700_000_000, nanos: 5_000_000 })), '2023-11-14T22:13:20.005Z');
  } finally {
    useReflectionExtras(REFLECTION_EXTRAS);
  }
});

test.run();
