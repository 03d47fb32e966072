/**
 * The vendor's ring options of `CallConfig`, each through a ring flow against the local
 * coordinator: `autoRejectWhenInCall`, `joinCallInstantly`, `playSounds`; and partial
 * configs filled from the meeting preset.
 */
import * as assert from 'uvu/assert';
import { CALL_CONFIG, StreamVideoClient, type RingSound } from '../../src/index-node';
import { expectThrows, Harness, nextEvent } from '../helpers/sdk';
import { fileSuite, uniqueId, until, waitFor } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

/** A sound that records what it was asked to do. */
function recordingSound(name: string, log: string[]): RingSound {
  return { play: () => void log.push(`${name} play`), stop: () => void log.push(`${name} stop`) };
}

test('autoRejectWhenInCall: a ring while in another call is rejected at once as busy; the caller sees the reason', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob', { callConfig: { ...CALL_CONFIG.ring, autoRejectWhenInCall: true } });
  // bob is in a call of his own.
  await bob.joinCall(uniqueId('own'), 'default');
  const rejected = nextEvent(alice, 'call.rejected');
  const id = uniqueId('busy');
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }], ring: true });
  const e = await rejected;
  assert.is(e.user?.id, 'bob');
  assert.is(e.reason, 'busy');
  await waitFor(bob.readOnlyStateStore.incomingCalls$, (c) => c.length === 0, 'no incoming call left on bob');
  await waitFor(alice.readOnlyStateStore.outgoingCalls$, (c) => c.length === 0, "alice's ring is over");
  assert.is(h.c.state.calls.get(`default:${id}`)!.answers.get('bob'), 'rejected');
  // Not in a call: the ring rings on.
  await bob.readOnlyStateStore.activeCall$.get()!.leave();
  const ring = nextEvent(bob, 'call.ring');
  await alice.getOrCreateCall(uniqueId('free'), 'default', { members: [{ userId: 'bob' }], ring: true });
  await ring;
  assert.is(bob.readOnlyStateStore.incomingCalls$.get().length, 1);
});

test('without autoRejectWhenInCall (the presets), a ring while in a call still rings', async ({ h }) => {
  const alice = await h.connect('alice');
  const bob = await h.connect('bob', { callConfig: CALL_CONFIG.ring });
  await bob.joinCall(uniqueId('own'), 'default');
  const ring = nextEvent(bob, 'call.ring');
  await alice.getOrCreateCall(uniqueId('rings'), 'default', { members: [{ userId: 'bob' }], ring: true });
  await ring;
  await waitFor(bob.readOnlyStateStore.incomingCalls$, (c) => c.length === 1, 'the incoming call');
});

test('joinCallInstantly: getOrCreateCall creates and joins in one request, rings nobody', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: { ...CALL_CONFIG.meeting, joinCallInstantly: true } });
  const bob = await h.connect('bob');
  let rang = false;
  bob.on('call.ring', () => void (rang = true));
  let requests = 0;
  h.c.httpServer.on('request', (req) => void (req.url?.startsWith('/twirp/') && requests++));
  const id = uniqueId('meeting');
  const created = nextEvent(bob, 'call.created', (e) => e.callCid === `default:${id}`);
  const response = await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }], ring: true });
  assert.is(requests, 1, 'one JoinCall');
  assert.is(response.created, true);
  assert.is(response.call!.call!.cid, `default:${id}`);
  assert.equal(
    response.call!.participants.map((p) => p.user?.id),
    ['alice'],
  );
  const active = alice.readOnlyStateStore.activeCall$.get();
  assert.is(active?.cid, `default:${id}`);
  assert.is(h.c.state.calls.get(`default:${id}`)!.ringing, false, 'nobody rings');
  await created; // bob, a member, is told of the call, and is not rung
  assert.is(rang, false);
  // Again: the call exists; the same joined call answers.
  const again = await alice.getOrCreateCall(id, 'default');
  assert.is(again.created, false);
  assert.is(requests, 1, 'no second request: already in the call');
});

test('playSounds: the ringtone while a call rings the user, the ringback while the own call rings others, silence after', async ({ h }) => {
  const log: string[] = [];
  const sounds = { ringtone: recordingSound('ringtone', log), ringbackTone: recordingSound('ringback', log) };
  const alice = await h.connect('alice', { callConfig: { ...CALL_CONFIG.ring, ...sounds } });
  const bob = await h.connect('bob', { callConfig: { ...CALL_CONFIG.ring, ...sounds } });
  const id = uniqueId('sounds');
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }], ring: true });
  await until(
    () => log.includes('ringback play') && log.includes('ringtone play'),
    () => `both sounds (${log.join(', ')})`,
  );
  await bob.rejectCall(id, 'default');
  await until(
    () => log.filter((l) => l.endsWith('stop')).length === 2,
    () => `both stopped (${log.join(', ')})`,
  );
  assert.equal(
    log.filter((l) => l.startsWith('ringtone')),
    ['ringtone play', 'ringtone stop'],
  );
  assert.equal(
    log.filter((l) => l.startsWith('ringback')),
    ['ringback play', 'ringback stop'],
  );
});

test('playSounds off (the meeting preset, or in Node without sounds given): nothing plays, the generated tone is silent without Web Audio', async ({ h }) => {
  const log: string[] = [];
  const alice = await h.connect('alice', {
    callConfig: { ...CALL_CONFIG.meeting, ringtone: recordingSound('ringtone', log), ringbackTone: recordingSound('ringback', log) },
  });
  const bob = await h.connect('bob', { callConfig: CALL_CONFIG.ring }); // generated tones: Node has no AudioContext
  const ring = nextEvent(bob, 'call.ring');
  await alice.getOrCreateCall(uniqueId('quiet'), 'default', { members: [{ userId: 'bob' }], ring: true });
  await ring;
  assert.equal(log, []);
});

test('partial configs: every field optional, the rest from the meeting preset; bad ones refused', ({ h }) => {
  const partial = new StreamVideoClient(h.c.apiKey, { baseUrl: h.c.baseUrl, logger: () => {} }, { autoRejectTimeoutInMs: 30_000 });
  assert.equal(partial.callConfig, { autoRejectTimeoutInMs: 30_000 });
  expectThrows(() => new StreamVideoClient('key', {}, { playSound: true } as never), 'invalid_argument', 'callConfig.playSound');
  expectThrows(() => new StreamVideoClient('key', {}, { autoRejectTimeoutInMs: -5 }), 'invalid_argument', 'callConfig.autoRejectTimeoutInMs');
  expectThrows(() => new StreamVideoClient('key', {}, { joinCallInstantly: 'yes' } as never), 'invalid_argument', 'callConfig.joinCallInstantly');
  expectThrows(() => new StreamVideoClient('key', {}, { ringtone: {} } as never), 'invalid_argument', 'callConfig.ringtone');
});

test.run();
