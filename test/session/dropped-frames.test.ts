/**
 * Nothing the server sends is dropped in silence (issue 25, item 7): a text frame, bytes that
 * are no frame, a frame of a kind the SDK does not know, an event frame nested too deep to
 * decode, and an event whose custom data JSON cannot hold are each reported with a code: a
 * log line with `code` and `reason`, and a `connection.frame_dropped` event carrying a
 * `malformed` error. The connection carries on: the next real event arrives in sequence.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BinaryWriter, WireType } from '@protobuf-ts/runtime';
import { Struct } from '../../gen/google/protobuf/struct';
import { CALL_CONFIG, type LogLevel, type StreamEventMap } from '../../src/index-node';
import { Harness, nextEvent } from '../helpers/sdk';

const test = suite<{ h: Harness }>('dropped frames', { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

const CID = 'default:dropped';

function varint(n: number): number[] {
  const out: number[] = [];
  while (n > 0x7f) {
    out.push((n & 0x7f) | 0x80);
    n >>>= 7;
  }
  out.push(n);
  return out;
}

/**
 * A `Struct` nested `depth` levels deep (`{ a: { a: ... } }`), written directly: protobuf-ts
 * cannot encode it (its writer recurses as deep), and building it level by level would copy
 * it `depth` times. Each level's length is known from the inner one's.
 */
function deepStruct(depth: number): Uint8Array {
  const structLen = [0];
  const prefixes: number[][] = [];
  for (let k = 1; k <= depth; k++) {
    // Value { struct_value (5) = Struct k-1 }
    const value = [0x2a, ...varint(structLen[k - 1])];
    const valueLen = value.length + structLen[k - 1];
    // map entry { key (1) = "a", value (2) = Value }
    const entry = [0x0a, 0x01, 0x61, 0x12, ...varint(valueLen), ...value];
    const entryLen = entry.length + structLen[k - 1];
    // Struct { fields (1) = entry }
    const struct = [0x0a, ...varint(entryLen), ...entry];
    structLen.push(struct.length + structLen[k - 1]);
    prefixes.push(struct);
  }
  const out = new Uint8Array(structLen[depth]);
  let at = 0;
  for (let k = depth - 1; k >= 0; k--) {
    out.set(prefixes[k], at);
    at += prefixes[k].length;
  }
  return out;
}

/** A ServerFrame with one custom event `seq` whose data is `custom` (already encoded). */
function customEventFrame(seq: number, custom: Uint8Array): Uint8Array {
  const customEvent = new BinaryWriter().tag(2, WireType.LengthDelimited).bytes(custom).finish();
  const event = new BinaryWriter()
    .tag(1, WireType.Varint)
    .uint64(seq)
    .tag(3, WireType.LengthDelimited)
    .string(CID)
    .tag(25, WireType.LengthDelimited)
    .bytes(customEvent)
    .finish();
  return new BinaryWriter().tag(4, WireType.LengthDelimited).bytes(event).finish();
}

test('text, garbage, an unknown frame kind, a frame nested too deep and unreadable custom data: each reported with a code, the connection carries on', async ({
  h,
}) => {
  const logs: { level: LogLevel; message: string; extra: Record<string, unknown> | undefined }[] = [];
  const bob = await h.connect('bob', {
    callConfig: CALL_CONFIG.meeting,
    opts: { logger: (level, message, extra) => void logs.push({ level, message, extra }) },
  });
  const dropped: StreamEventMap['connection.frame_dropped'][] = [];
  bob.on('connection.frame_dropped', (e) => void dropped.push(e));
  let errors = 0;
  bob.on('connection.error', () => void errors++);

  const next = h.c.events.log('bob').seq + 1;
  assert.is(h.c.hub.faults.sendRaw('bob', 'not a frame'), 1);
  h.c.hub.faults.sendRaw('bob', new Uint8Array([0xff, 0xff, 0xff]));
  h.c.hub.faults.sendRaw('bob', new Uint8Array(0)); // a ServerFrame of no kind this SDK knows
  h.c.hub.faults.sendRaw('bob', customEventFrame(next, deepStruct(100_000)));
  // A real event, numbered by the coordinator, whose custom data holds what JSON cannot.
  const nan = Struct.create({ fields: { n: { kind: { oneofKind: 'numberValue', numberValue: Number.NaN } } } });
  h.c.events.publish(['bob'], CID, { oneofKind: 'custom', custom: { user: undefined, custom: nan } });
  const arrived = nextEvent(bob, 'custom');
  h.c.events.publish(['bob'], CID, { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ i: 1 }) } });
  const real = await arrived;

  assert.is(real.seq, next + 1, 'the next real event arrives in sequence');
  assert.equal(real.custom, { i: 1 });
  assert.equal(
    dropped.map((e) => [e.error.code, e.error.meta['reason'], e.error.meta['seq']]),
    [
      ['malformed', 'not_binary', undefined],
      ['malformed', 'undecodable', undefined],
      ['malformed', 'unknown_frame', undefined],
      ['malformed', 'undecodable', undefined],
      ['malformed', 'unreadable_event', String(next)],
    ],
  );
  for (const e of dropped) assert.is(e.error.meta['url'], h.c.wsUrl);
  assert.equal(
    logs.filter((l) => l.extra?.['code'] === 'malformed').map((l) => [l.level, l.extra?.['reason']]),
    [
      ['warn', 'not_binary'],
      ['warn', 'undecodable'],
      ['info', 'unknown_frame'],
      ['warn', 'undecodable'],
      ['warn', 'unreadable_event'],
    ],
  );
  assert.is(errors, 0, 'not a failure of the connection');
  assert.is(bob.readOnlyStateStore.connectionState$.get(), 'connected');
});

test.run();
