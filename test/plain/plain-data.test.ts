/**
 * Plain data: every message the SDK hands out, at any depth, with custom data as JSON and
 * times as `Date`s; the facade's answers, the store and the events, end to end.
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { Timestamp } from '../../gen/google/protobuf/timestamp';
import { UpdateUserPermissionsResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { Event } from '../../gen/stream/video/coordinator/v1/events';
import { CallState, User } from '../../gen/stream/video/coordinator/v1/models';
import { CALL_CONFIG, StreamVideoError, toPlain } from '../../src/index-node';
import { expectError, Harness, nextEvent } from '../helpers/sdk';
import { fileSuite, waitFor } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

/** Whether `value` holds a wire Struct or Timestamp anywhere. */
function wireShapes(value: unknown, path = '$', found: string[] = []): string[] {
  if (value instanceof Date || value === null || typeof value !== 'object') return found;
  const o = value as Record<string, unknown>;
  if ('fields' in o && typeof o['fields'] === 'object' && Object.values(o['fields'] as object).some((v) => v && typeof v === 'object' && 'kind' in v))
    found.push(`${path}: a Struct`);
  if ('seconds' in o && 'nanos' in o) found.push(`${path}: a Timestamp`);
  for (const [k, v] of Object.entries(o)) if (typeof v === 'object') wireShapes(v, `${path}.${k}`, found);
  return found;
}

test('toPlain: Struct and Timestamp at any depth, in lists, oneofs and maps; nothing else changes; unconvertible data is dataloss', () => {
  const wire = CallState.create({
    call: { cid: 'default:x', createdAt: Timestamp.fromDate(new Date(1_700_000_000_123)), custom: Struct.fromJson({ a: [1, { b: true }], c: null }) },
    members: [{ userId: 'bob', user: User.create({ id: 'bob', custom: Struct.fromJson({ team: 'red' }) }), createdAt: Timestamp.fromDate(new Date(5)) }],
    participants: [{ sessionId: 's', joinedAt: Timestamp.fromDate(new Date(7)) }],
  });
  const plain = toPlain(CallState, wire);
  assert.equal(plain.call!.custom, { a: [1, { b: true }], c: null });
  assert.is(plain.call!.createdAt!.getTime(), 1_700_000_000_123);
  assert.equal(plain.members[0].user!.custom, { team: 'red' });
  assert.is(plain.members[0].createdAt!.getTime(), 5);
  assert.is(plain.participants[0].joinedAt!.getTime(), 7);
  assert.is(plain.call!.cid, 'default:x');
  assert.equal(wireShapes(plain), []);
  // The wire message is left as it was.
  assert.ok(wire.call!.custom!.fields['a']);
  // A oneof: the case that is set is converted.
  const event = Event.create({
    seq: 1,
    createdAt: Timestamp.fromDate(new Date(9)),
    payload: { oneofKind: 'callRing', callRing: { user: User.create({ id: 'a', custom: Struct.fromJson({ x: 1 }) }) } },
  });
  const plainEvent = toPlain(Event, event);
  assert.is(plainEvent.createdAt!.getTime(), 9);
  assert.ok(plainEvent.payload.oneofKind === 'callRing');
  assert.equal(plainEvent.payload.oneofKind === 'callRing' && plainEvent.payload.callRing.user!.custom, { x: 1 });
  // Nothing to convert: the same object.
  const bare = UpdateUserPermissionsResponse.create({ capabilities: ['read-call'] });
  assert.is(toPlain(UpdateUserPermissionsResponse, bare), bare);
  // Custom data JSON cannot hold.
  const odd = CallState.create({ call: { custom: { fields: { x: { kind: { oneofKind: 'numberValue', numberValue: Number.NaN } } } } } });
  try {
    toPlain(CallState, odd);
    assert.unreachable('NaN is not JSON');
  } catch (err) {
    assert.instance(err, StreamVideoError);
    assert.is((err as StreamVideoError).code, 'dataloss');
  }
});

test('the facade: answers, the joined call, the store and the events are plain', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.ring });
  const bob = h.client({ callConfig: CALL_CONFIG.ring });
  await bob.connectUser({ id: 'bob', name: 'Bob', custom: { team: 'blue', level: 3 } }, () => h.c.createToken('bob'));
  assert.equal(bob.readOnlyStateStore.connectedUser$.get()!.custom, { team: 'blue', level: 3 }, 'connectedUser$');

  const ring = nextEvent(bob, 'call.ring');
  const created = await alice.getOrCreateCall('plain', 'default', { members: [{ userId: 'bob' }], custom: { topic: 'standup' }, ring: true });
  assert.equal(created.call!.call!.custom, { topic: 'standup' }, 'getOrCreateCall');
  assert.instance(created.call!.call!.createdAt, Date);
  const event = await ring;
  assert.equal(event.call!.call!.custom, { topic: 'standup' }, 'call.ring');
  assert.instance(event.call!.call!.createdAt, Date);
  assert.instance(event.createdAt, Date);
  assert.equal(wireShapes(event), [], 'call.ring payload');
  const pending = await waitFor(bob.readOnlyStateStore.incomingCalls$, (c) => c.length === 1, 'incoming');
  assert.equal(wireShapes(pending), [], 'incomingCalls$');
  assert.equal(pending[0].call.call!.custom, { topic: 'standup' });

  const joined = nextEvent(alice, 'call.participant_joined');
  const call = await bob.acceptCall('plain', 'default');
  assert.equal(call.data.custom, { topic: 'standup' }, 'Call.data');
  assert.equal(wireShapes(call.data), []);
  assert.equal(wireShapes(call.members), []);
  const e = await joined;
  assert.equal(e.participant!.user!.custom, { team: 'blue', level: 3 }, 'participant_joined');
  assert.instance(e.participant!.joinedAt, Date);
  assert.equal(bob.readOnlyStateStore.localParticipant$.get()!.user.custom, { team: 'blue', level: 3 }, 'participants');

  const { calls } = await bob.queryCalls({ cid: 'default:plain' }, []);
  assert.equal(calls[0].call!.custom, { topic: 'standup' }, 'queryCalls');
  assert.equal(wireShapes(calls), []);
  // alice rang: bob's accept reaches her as acceptedCall$, plain too.
  const accepted = await waitFor(alice.readOnlyStateStore.acceptedCall$, (a) => a !== undefined, "alice sees bob's accept");
  assert.is(accepted!.callCid, 'default:plain');
  assert.is(accepted!.user!.id, 'bob');
  assert.instance(accepted!.createdAt, Date);
  assert.equal(wireShapes(accepted), [], 'acceptedCall$');
  await expectError(bob.queryCalls({ cid: 'x' }, [], 0), 'invalid_argument');
});

test.run();
