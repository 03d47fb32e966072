/**
 * The health of remote media and the recovery ladder (src/media/peer-link.ts), through the
 * local coordinator with the in-memory WebRTC: what the app sees in the store
 * (`mediaConnectionState`, `trackStates`) when a track stalls, a connection fails or the
 * network goes away and comes back, and what the SDK does meanwhile (logged codes).
 * Real media: test/browser/media-rounds.test.ts.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { TrackType, type StreamVideoClient } from '../../src/index-node';
import { FakeWebRtc } from '../helpers/fake-webrtc';
import { codeLog, connected, FakeNetwork, joinAll, mediaClient, remoteWhere, shortTiming } from '../helpers/media';
import { Harness, until } from '../helpers/sdk';

interface Ctx {
  h: Harness;
  rtc: FakeWebRtc;
  restore: () => void;
}

const test = suite<Ctx>('media health and recovery', { h: undefined as never, rtc: undefined as never, restore: () => {} });
test.before.each(async (ctx) => {
  // Short, but not so short that a loaded machine's event-loop lag reads as a stall (one run
  // saw a second ICE restart with a stall bound of 250 ms and a restart bound of 300 ms).
  ctx.restore = shortTiming({
    healthIntervalMs: 20,
    stallMs: 1000,
    disconnectedGraceMs: 100,
    iceRestartTimeoutMs: 1000,
    connectTimeoutMs: 1500,
    replaceBackoffMs: 50,
  });
  ctx.h = await Harness.start();
  ctx.rtc = new FakeWebRtc();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
  ctx.restore();
});

/** Every distinct [mediaConnectionState, video state] `client` showed for `userId`, in order. */
function watch(client: StreamVideoClient, userId: string): { seen: string[][]; stop: () => void } {
  const seen: string[][] = [];
  const stop = client.readOnlyStateStore.remoteParticipants$.subscribe((list) => {
    const p = list.toArray().find((x) => x.userId === userId);
    if (!p) return;
    const now = [p.mediaConnectionState, p.trackStates[TrackType.VIDEO] ?? '-'];
    const last = seen[seen.length - 1];
    if (!last || last[0] !== now[0] || last[1] !== now[1]) seen.push(now);
  });
  return { seen, stop };
}

test('a stalled video: the app sees it stalled and the participant reconnecting; an ICE restart, then a new connection; receiving again', async (ctx) => {
  const log = codeLog();
  const alice = await mediaClient(ctx.h, ctx.rtc, 'alice', { logger: log.logger });
  const bob = await mediaClient(ctx.h, ctx.rtc, 'bob');
  const calls = await joinAll({ alice, bob });
  const states = watch(alice, 'bob');
  await calls.bob.publishVideoStream(ctx.rtc.mediaStream('video'));
  await calls.bob.publishAudioStream(ctx.rtc.mediaStream('audio'));
  const receiving = (p: { mediaConnectionState: string; trackStates: Record<number, string | undefined> }) =>
    p.mediaConnectionState === 'connected' && p.trackStates[TrackType.VIDEO] === 'receiving' && p.trackStates[TrackType.AUDIO] === 'receiving';
  await remoteWhere(alice, 'bob', receiving, "bob's media received");
  const from = log.codes.length;
  // Frames decoded, but the track renders nothing (what Chromium did after two rollbacks).
  const first = ctx.rtc.of('alice')[0];
  first.getTransceivers().find((t) => t.mid === '1')!.receiver.track.muted = true;
  const stalled = await remoteWhere(alice, 'bob', (p) => p.trackStates[TrackType.VIDEO] === 'stalled', "bob's video stalled");
  assert.is(stalled.trackStates[TrackType.AUDIO], 'receiving', 'only the video stalled');
  await remoteWhere(alice, 'bob', receiving, "bob's media received again");
  states.stop();
  assert.equal(states.seen.slice(0, 2), [
    ['idle', '-'],
    ['connecting', 'pending'],
  ]);
  assert.equal(states.seen[states.seen.length - 1], ['connected', 'receiving']);
  assert.ok(
    states.seen.some(([c, v]) => c === 'reconnecting' && v === 'stalled'),
    `seen: ${JSON.stringify(states.seen)}`,
  );
  // The ladder: an ICE restart (which cannot unmute that track), then a new connection.
  const steps = log.codes.slice(from).filter((c) => c.startsWith('media_'));
  assert.equal(steps, ['media_ice_restart', 'media_new_connection', 'media_recovered'], JSON.stringify(log.codes));
  assert.equal(
    ctx.rtc.of('alice').map((pc) => pc.connectionState),
    ['closed', 'connected'],
  );
  assert.is(first.connectionState, 'closed');
  await until(() => connected(ctx.rtc.open('bob')) && ctx.rtc.open('bob').length === 1, 'bob followed to the new connection');
});

test('a failed connection: reconnecting while the ICE restart runs, connected after; one step', async (ctx) => {
  const log = codeLog();
  const alice = await mediaClient(ctx.h, ctx.rtc, 'alice', { logger: log.logger });
  const bob = await mediaClient(ctx.h, ctx.rtc, 'bob');
  const calls = await joinAll({ alice, bob });
  await calls.bob.publishVideoStream(ctx.rtc.mediaStream('video'));
  await remoteWhere(alice, 'bob', (p) => p.mediaConnectionState === 'connected' && p.trackStates[TrackType.VIDEO] === 'receiving', 'connected');
  ctx.rtc.of('alice')[0].fail();
  await remoteWhere(alice, 'bob', (p) => p.mediaConnectionState === 'reconnecting', 'reconnecting');
  await remoteWhere(alice, 'bob', (p) => p.mediaConnectionState === 'connected' && p.trackStates[TrackType.VIDEO] === 'receiving', 'connected again');
  assert.is(log.count('media_ice_restart'), 1);
  assert.is(log.count('media_new_connection'), 0, 'the ICE restart was enough');
  assert.is(ctx.rtc.of('alice').length, 1);
});

test('offline: no recovery while the network is away; online: one recovery, not two', async (ctx) => {
  const restore = shortTiming({ iceRestartTimeoutMs: 3000 });
  try {
    const log = codeLog();
    const network = new FakeNetwork();
    const alice = await mediaClient(ctx.h, ctx.rtc, 'alice', { logger: log.logger, network });
    const bob = await mediaClient(ctx.h, ctx.rtc, 'bob');
    const calls = await joinAll({ alice, bob });
    await calls.bob.publishVideoStream(ctx.rtc.mediaStream('video'));
    await remoteWhere(alice, 'bob', (p) => p.mediaConnectionState === 'connected' && p.trackStates[TrackType.VIDEO] === 'receiving', 'connected');
    network.emit('offline');
    await remoteWhere(alice, 'bob', (p) => p.mediaConnectionState === 'reconnecting', 'reconnecting while offline');
    ctx.rtc.of('alice')[0].fail();
    // Many health checks pass with a failed connection and a stalled track: nothing is tried.
    await new Promise((r) => setTimeout(r, 400));
    assert.is(log.count('media_ice_restart') + log.count('media_new_connection'), 0, JSON.stringify(log.codes));
    network.emit('online');
    network.emit('online'); // a second one changes nothing
    await remoteWhere(alice, 'bob', (p) => p.mediaConnectionState === 'connected' && p.trackStates[TrackType.VIDEO] === 'receiving', 'connected when back');
    assert.equal(
      log.codes.filter((c) => c.startsWith('media_')),
      ['media_network_offline', 'media_network_online', 'media_ice_restart', 'media_recovered'],
    );
  } finally {
    restore();
  }
});

test('unpublished: the track is ended; published again: pending, then receiving; the local participant stays idle', async (ctx) => {
  const [alice, bob] = await Promise.all([mediaClient(ctx.h, ctx.rtc, 'alice'), mediaClient(ctx.h, ctx.rtc, 'bob')]);
  const calls = await joinAll({ alice, bob });
  await calls.bob.publishVideoStream(ctx.rtc.mediaStream('video'));
  await remoteWhere(alice, 'bob', (p) => p.trackStates[TrackType.VIDEO] === 'receiving', 'receiving');
  await calls.bob.stopPublish(TrackType.VIDEO);
  const ended = await remoteWhere(alice, 'bob', (p) => p.trackStates[TrackType.VIDEO] === 'ended', 'ended');
  assert.is(ended.videoStream, undefined);
  assert.is(ended.mediaConnectionState, 'connected', 'the connection stays');
  await calls.bob.publishVideoStream(ctx.rtc.mediaStream('video'));
  await remoteWhere(alice, 'bob', (p) => p.trackStates[TrackType.VIDEO] === 'receiving', 'receiving again');
  const local = alice.readOnlyStateStore.localParticipant$.get()!;
  assert.equal([local.mediaConnectionState, local.trackStates], ['idle', {}]);
  const bobSeesAlice = bob.readOnlyStateStore.remoteParticipants$.get().toArray()[0];
  assert.equal(bobSeesAlice.trackStates, {}, 'alice publishes nothing');
  assert.is(bobSeesAlice.mediaConnectionState, 'connected', 'bob connects to alice to send to her');
});

test.run();
