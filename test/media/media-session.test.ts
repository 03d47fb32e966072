/**
 * The SDK's media layer in Node, against the local coordinator over real HTTP and WebSocket,
 * with the in-memory WebRTC of test/helpers/fake-webrtc.ts as `opts.RTCPeerConnection`:
 * one negotiation per connection, offered by one side only (both publishing at once: no
 * collision, no rollback), replaceTrack without renegotiating, mute and unmute through
 * publishedTracks, a socket drop in the middle of a negotiation, the revoke, the mesh limit,
 * ICE restarts, teardown on every exit, and `unsupported` without an RTCPeerConnection. Health
 * and recovery: peer-link.test.ts; a hostile member's signals: signal-bounds.test.ts. Real
 * media is tested in Chromium (test/browser/demo-media, media-rounds, media-mesh).
 */
import * as assert from 'uvu/assert';
import { CALL_CONFIG, TrackType } from '../../src/index-node';
import { MEDIA_TIMING } from '../../src/media/media-timing';
import { FakeWebRtc } from '../helpers/fake-webrtc';
import { connected, joinAll, mediaClient, remoteWhere } from '../helpers/media';
import { expectError, expectThrows, Harness, nextEvent, noTimersLeft, recordEvents } from '../helpers/sdk';
import { fileSuite, uniqueId, until, waitFor } from '../helpers/common';

interface Ctx {
  h: Harness;
  rtc: FakeWebRtc;
}

const test = fileSuite<Ctx>(import.meta.url, { h: undefined as never, rtc: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
  ctx.rtc = new FakeWebRtc();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

/** A client of `user` with the fake WebRTC and a quick reconnect. */
const connect = (ctx: Ctx, user: string, statsIntervalMs = 0) => mediaClient(ctx.h, ctx.rtc, user, { statsIntervalMs });
const remote = remoteWhere;

test('without an RTCPeerConnection, media methods fail with unsupported and the rest works', async ({ h }) => {
  expectThrows(() => h.client({ opts: { RTCPeerConnection: 5 as never } }), 'invalid_argument', 'opts.RTCPeerConnection');
  expectThrows(() => h.client({ opts: { statsIntervalMs: -1 } }), 'invalid_argument', 'opts.statsIntervalMs');
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting });
  const call = await alice.joinCall(uniqueId(), 'default');
  await expectError(call.publishVideoStream({} as MediaStream), 'unsupported');
  await expectError(call.publishAudioStream({} as MediaStream), 'unsupported');
  await expectError(call.publishScreenShareStream({} as MediaStream), 'unsupported');
  await expectError(call.stopPublish(TrackType.VIDEO), 'unsupported');
  await expectError(call.getStats(), 'unsupported');
  assert.equal(alice.readOnlyStateStore.localParticipant$.get()?.publishedTracks, []);
  assert.is(alice.readOnlyStateStore.hasOngoingScreenShare$.get(), false);
  await call.leave();
  await expectError(call.publishVideoStream({} as MediaStream), 'failed_precondition');
});

test('both publish camera and microphone at once: only the offering side offers, nothing is rolled back, each side receives the other', async (ctx) => {
  const [alice, bob] = await Promise.all([connect(ctx, 'alice'), connect(ctx, 'bob')]);
  const calls = await joinAll({ alice, bob });
  await Promise.all([
    calls.alice.publishVideoStream(ctx.rtc.mediaStream('video', 'audio')).then(() => calls.alice.publishAudioStream(ctx.rtc.mediaStream('audio'))),
    calls.bob.publishVideoStream(ctx.rtc.mediaStream('video')).then(() => calls.bob.publishAudioStream(ctx.rtc.mediaStream('audio'))),
  ]);
  await until(() => connected(ctx.rtc.of('alice')) && connected(ctx.rtc.of('bob')), 'both connections up');
  assert.equal([ctx.rtc.of('alice').length, ctx.rtc.of('bob').length], [1, 1], 'one connection per remote participant');
  const both = [TrackType.AUDIO, TrackType.VIDEO];
  for (const [client, other] of [
    [alice, 'bob'],
    [bob, 'alice'],
  ] as const) {
    const p = await remote(client, other, (x) => Boolean(x.videoStream && x.audioStream), `${other}'s streams`);
    assert.equal(p.publishedTracks, both);
    assert.is(p.screenShareStream, undefined);
    const local = client.readOnlyStateStore.localParticipant$.get()!;
    assert.equal(local.publishedTracks, both);
    assert.ok(local.videoStream && local.audioStream, 'the local participant shows what it publishes');
  }
  // No collision of offers, hence no rollback: only the impolite side (the larger session id) offers.
  const [a, b] = [ctx.rtc.of('alice')[0], ctx.rtc.of('bob')[0]];
  const [offerer, answerer] = calls.alice.sessionId > calls.bob.sessionId ? [a, b] : [b, a];
  assert.ok(offerer.made.offers >= 1, `offers: alice ${a.made.offers}, bob ${b.made.offers}`);
  assert.equal([answerer.made.offers, a.made.rollbacks, b.made.rollbacks], [0, 0, 0]);
  // The fixed layout: audio, video, screen share and its audio, each sendrecv, negotiated once.
  assert.equal(
    offerer.getTransceivers().map((t) => [t.mid, t.kind, t.direction]),
    [
      ['0', 'audio', 'sendrecv'],
      ['1', 'video', 'sendrecv'],
      ['2', 'video', 'sendrecv'],
      ['3', 'audio', 'sendrecv'],
    ],
  );
  assert.equal(
    answerer.getTransceivers().map((t) => [t.mid, t.direction]),
    [
      ['0', 'sendrecv'],
      ['1', 'sendrecv'],
      ['2', 'sendrecv'],
      ['3', 'sendrecv'],
    ],
  );
  // The media health the app sees: connected, both tracks receiving.
  for (const [client, other] of [
    [alice, 'bob'],
    [bob, 'alice'],
  ] as const) {
    const p = await remote(
      client,
      other,
      (x) => x.mediaConnectionState === 'connected' && x.trackStates[TrackType.VIDEO] === 'receiving' && x.trackStates[TrackType.AUDIO] === 'receiving',
      `${other} connected and receiving`,
    );
    assert.equal(p.trackStates, { [TrackType.AUDIO]: 'receiving', [TrackType.VIDEO]: 'receiving' });
    assert.is(client.readOnlyStateStore.localParticipant$.get()?.mediaConnectionState, 'idle');
  }
  const stats = await calls.alice.getStats();
  assert.is(stats.peers.length, 1);
  assert.equal([stats.peers[0].userId, stats.peers[0].connectionState], ['bob', 'connected']);
  assert.ok(stats.subscriberStats.framesProcessed > 0);
});

test('publishing again replaces the track without renegotiating; stopPublish mutes, publishing unmutes', async (ctx) => {
  const [alice, bob] = await Promise.all([connect(ctx, 'alice'), connect(ctx, 'bob')]);
  const calls = await joinAll({ alice, bob });
  const first = ctx.rtc.stream('video');
  await calls.alice.publishVideoStream(ctx.rtc.asMediaStream(first));
  await until(() => connected(ctx.rtc.of('alice')), 'connected');
  const seen = await remote(bob, 'alice', (p) => Boolean(p.videoStream), "alice's video");
  const pc = ctx.rtc.of('alice')[0];
  const offers = pc.made.offers + ctx.rtc.of('bob')[0].made.offers;
  const second = ctx.rtc.stream('video');
  await calls.alice.publishVideoStream(ctx.rtc.asMediaStream(second));
  assert.is(first.getTracks()[0].readyState, 'ended', 'the replaced track is stopped');
  assert.is(pc.getSenders().find((s) => s.track !== null)!.track, second.getTracks()[0]);
  // Mute: the others see it through publishedTracks, the track stops, nothing renegotiates.
  const muted = nextEvent(bob, 'call.participant_updated');
  await calls.alice.stopPublish(TrackType.VIDEO);
  assert.equal((await muted).participant?.publishedTracks, []);
  const off = await remote(bob, 'alice', (p) => p.videoStream === undefined, 'alice muted');
  assert.equal(off.publishedTracks, []);
  assert.is(second.getTracks()[0].readyState, 'ended');
  assert.ok(pc.getSenders().every((s) => s.track === null));
  // Unmute with a third track: the same sender, the same remote stream object.
  await calls.alice.publishVideoStream(ctx.rtc.mediaStream('video'));
  const on = await remote(bob, 'alice', (p) => Boolean(p.videoStream), 'alice unmuted');
  assert.is(on.videoStream, seen.videoStream);
  assert.is(pc.made.offers + ctx.rtc.of('bob')[0].made.offers, offers, 'no renegotiation');
  assert.is(pc.getTransceivers().length, 4, 'the fixed layout: audio, video, screen share, screen share audio');
  await calls.alice.stopPublish(TrackType.AUDIO); // nothing published of that type: nothing happens
  await expectError(calls.alice.stopPublish(7 as TrackType), 'invalid_argument', 'trackType');
  await expectError(calls.alice.publishAudioStream(ctx.rtc.mediaStream('video')), 'invalid_argument', 'stream');
});

test('screen share: the others see it through hasOngoingScreenShare$ and screenShareStream, apart from the camera', async (ctx) => {
  const [alice, bob] = await Promise.all([connect(ctx, 'alice'), connect(ctx, 'bob')]);
  const calls = await joinAll({ alice, bob });
  await calls.bob.publishVideoStream(ctx.rtc.mediaStream('video'));
  await expectError(calls.bob.publishScreenShareStream(ctx.rtc.mediaStream('video')), 'permission_denied'); // a member of a default call
  const screen = ctx.rtc.stream('video');
  await calls.alice.publishScreenShareStream(ctx.rtc.asMediaStream(screen));
  await calls.alice.publishVideoStream(ctx.rtc.mediaStream('video'));
  await waitFor(bob.readOnlyStateStore.hasOngoingScreenShare$, (v) => v, 'a screen share at bob');
  const p = await remote(bob, 'alice', (x) => Boolean(x.screenShareStream && x.videoStream), "alice's screen and camera");
  assert.is.not(p.screenShareStream, p.videoStream);
  assert.equal(p.publishedTracks, [TrackType.VIDEO, TrackType.SCREEN_SHARE]);
  assert.is(alice.readOnlyStateStore.hasOngoingScreenShare$.get(), true, 'the sharer sees it too');
  await calls.alice.stopPublish(TrackType.SCREEN_SHARE);
  await waitFor(bob.readOnlyStateStore.hasOngoingScreenShare$, (v) => !v, 'no screen share at bob');
  const after = await remote(bob, 'alice', (x) => !x.screenShareStream, "alice's screen gone");
  assert.ok(after.videoStream, 'the camera stays');
  // Shared again, then ended by the browser ("Stop sharing"): unpublished by itself.
  const again = ctx.rtc.stream('video');
  await calls.alice.publishScreenShareStream(ctx.rtc.asMediaStream(again));
  await waitFor(bob.readOnlyStateStore.hasOngoingScreenShare$, (v) => v, 'shared again');
  again.getTracks()[0].end();
  await waitFor(bob.readOnlyStateStore.hasOngoingScreenShare$, (v) => !v, 'the ended share is unpublished');
  assert.equal(alice.readOnlyStateStore.localParticipant$.get()?.publishedTracks, [TrackType.VIDEO]);
  assert.is(screen.getTracks()[0].readyState, 'ended');
});

test('a socket drop between signals: the negotiation completes, no signal lost or repeated', async (ctx) => {
  const [alice, bob] = await Promise.all([connect(ctx, 'alice'), connect(ctx, 'bob')]);
  const calls = await joinAll({ alice, bob });
  const signals = recordEvents(alice);
  // Drop alice's socket as soon as bob's first signals reach her: the rest of his offer's
  // candidates are published while she is away, and replayed when she resumes.
  let drops = 0;
  const off = alice.on('call.signal', () => {
    if (drops++ === 0) ctx.h.c.hub.faults.dropUser('alice');
  });
  await calls.bob.publishVideoStream(ctx.rtc.mediaStream('video'));
  await until(() => connected(ctx.rtc.of('alice')) && connected(ctx.rtc.of('bob')), 'connected after the drop');
  await remote(alice, 'bob', (p) => Boolean(p.videoStream), "bob's video after the drop");
  // Everything bob sent (the coordinator's count for bob -> alice) reaches alice.
  const sent = () => ctx.h.c.state.calls.get(calls.bob.cid)!.signalSeqs.get(`${calls.bob.sessionId}\n${calls.alice.sessionId}`) ?? 0;
  const received = () =>
    signals.events.flatMap((e) => (e.type === 'call.signal' && e.fromSessionId === calls.bob.sessionId ? e.signals.map((s) => s.seq) : []));
  await until(
    () => received().length >= sent() && sent() >= 4,
    () => `alice got ${received().join(',')} of ${sent()}`,
  );
  off();
  signals.stop();
  assert.ok(ctx.h.c.hub.faultCounts.dropped >= 1, 'the socket was dropped');
  assert.ok(drops >= 2, 'signals came after the drop');
  assert.ok(
    signals.events.some((e) => e.type === 'connection.changed' && e.state === 'reconnecting'),
    'alice reconnected meanwhile',
  );
  const got = received();
  assert.ok(got.length >= 4, `an offer, candidates and their end: ${got.join(',')}`);
  assert.equal(
    got,
    got.map((_, i) => i + 1),
    'every signal from bob once, in order',
  );
});

test('SendSignals failing for a while: the signals wait and go again, each receiver gets each once, in order', async (ctx) => {
  const logs: string[] = [];
  // Both sides send (the publisher and the other side connect to each other): both log here.
  const [alice, bob] = await Promise.all(
    ['alice', 'bob'].map((user) =>
      ctx.h.connect(user, {
        callConfig: CALL_CONFIG.meeting,
        opts: {
          RTCPeerConnection: ctx.rtc.for(user),
          statsIntervalMs: 0,
          retry: { maxAttempts: 2, baseDelayMs: 5 },
          logger: (_level, msg) => void logs.push(msg),
        },
      }),
    ),
  );
  const calls = await joinAll({ alice, bob });
  const signals = { alice: recordEvents(alice), bob: recordEvents(bob) };
  // Four failures: the RPC layer's two attempts fail twice, so a channel itself waits and
  // sends again, with the signals queued meanwhile in the same request.
  ctx.h.c.rpcFaults.failNext('SendSignals', 4, 'unavailable');
  await calls.alice.publishVideoStream(ctx.rtc.mediaStream('video'));
  await until(() => connected(ctx.rtc.of('alice')) && connected(ctx.rtc.of('bob')), 'connected after the failures');
  assert.is(ctx.h.c.rpcFaults.injected.get('SendSignals'), 4);
  assert.ok(logs.filter((m) => m === 'sending signals again').length >= 2, 'a channel waited and sent again');
  let batched = 0;
  for (const [from, to] of [
    ['alice', 'bob'],
    ['bob', 'alice'],
  ] as const) {
    const relayed = () => ctx.h.c.state.calls.get(calls.alice.cid)!.signalSeqs.get(`${calls[from].sessionId}\n${calls[to].sessionId}`) ?? 0;
    const received = () => signals[to].events.flatMap((e) => (e.type === 'call.signal' ? e.signals.map((x) => x.seq) : []));
    await until(
      () => relayed() >= 2 && received().length === relayed(),
      () => `${to} got ${received().join(',')} of ${relayed()}`,
    );
    signals[to].stop();
    assert.equal(
      received(),
      received().map((_, i) => i + 1),
      `each signal from ${from} once, in order`,
    );
    if (signals[to].events.filter((e) => e.type === 'call.signal').length < received().length) batched++;
  }
  assert.ok(batched > 0, 'signals travel batched');
});

test('a revoked send-video stops the track everywhere; the receiver shows no video; granted again, it works', async (ctx) => {
  const [alice, bob] = await Promise.all([connect(ctx, 'alice'), connect(ctx, 'bob')]);
  const calls = await joinAll({ alice, bob });
  const camera = ctx.rtc.stream('video');
  await calls.bob.publishVideoStream(ctx.rtc.asMediaStream(camera));
  await calls.bob.publishAudioStream(ctx.rtc.mediaStream('audio'));
  await until(() => connected(ctx.rtc.of('bob')), 'connected');
  await remote(alice, 'bob', (p) => Boolean(p.videoStream && p.audioStream), "bob's camera and microphone");
  const [id, type] = [calls.alice.data.id, calls.alice.data.type];
  await alice.updateUserPermissions(id, type, { userId: 'bob', revokePermissions: ['send-video'] });
  const shown = await remote(alice, 'bob', (p) => p.videoStream === undefined, "bob's video gone");
  assert.equal(shown.publishedTracks, [TrackType.AUDIO]);
  assert.ok(shown.audioStream, 'the microphone still plays');
  await until(() => camera.getTracks()[0].readyState === 'ended', "bob's camera stopped");
  await waitFor(bob.readOnlyStateStore.localParticipant$, (p) => p?.publishedTracks.length === 1 && !p.videoStream, "bob's own tile without video");
  const sender = ctx.rtc
    .of('bob')[0]
    .getSenders()
    .find((s) => s.track?.kind === 'video' || (s.track === null && s.replaced > 0));
  assert.is(sender?.track ?? null, null, 'no video left on the connection');
  // Frames from bob stop growing on alice's side.
  const frames = async () => (await calls.alice.getStats()).subscriberStats.framesProcessed;
  const before = await frames();
  assert.is(await frames(), before);
  await expectError(calls.bob.publishVideoStream(ctx.rtc.mediaStream('video')), 'permission_denied');
  await alice.updateUserPermissions(id, type, { userId: 'bob', grantPermissions: ['send-video'] });
  await waitFor(bob.readOnlyStateStore.activeCall$, (c) => Boolean(c?.ownCapabilities.includes('send-video')), 'bob granted again');
  await calls.bob.publishVideoStream(ctx.rtc.mediaStream('video'));
  await remote(alice, 'bob', (p) => Boolean(p.videoStream), "bob's video back");
  let after = before;
  for (let i = 0; i < 100 && after <= before; i++) after = await frames();
  assert.ok(after > before, 'frames from bob grow again');
});

test('the mesh limit: the fifth publisher gets resource_exhausted, still receives', async (ctx) => {
  const users = ['alice', 'bob', 'carol', 'dave', 'erin'];
  const clients = Object.fromEntries(await Promise.all(users.map(async (u) => [u, await connect(ctx, u)] as const)));
  const calls = await joinAll(clients, 'development');
  for (const u of users.slice(0, 4)) await calls[u].publishAudioStream(ctx.rtc.mediaStream('audio'));
  const err = await expectError(calls.erin.publishAudioStream(ctx.rtc.mediaStream('audio')), 'resource_exhausted');
  assert.equal([err.meta['reason'], err.meta['limit']], ['mesh_limit', '4']);
  assert.equal(clients.erin.readOnlyStateStore.localParticipant$.get()?.publishedTracks, []);
  // erin receives everyone: one connection to each publisher.
  await until(() => ctx.rtc.of('erin').length === 4 && connected(ctx.rtc.of('erin')), 'erin connected to the four publishers');
  for (const u of users.slice(0, 4)) await remote(clients.erin, u, (p) => Boolean(p.audioStream), `${u}'s audio at erin`);
  // One stops: erin may publish.
  await calls.alice.stopPublish(TrackType.AUDIO);
  await calls.erin.publishAudioStream(ctx.rtc.mediaStream('audio'));
});

test('ICE restart: a failed connection is restarted by the impolite side, asked by the polite side', async (ctx) => {
  const [alice, bob] = await Promise.all([connect(ctx, 'alice'), connect(ctx, 'bob')]);
  const calls = await joinAll({ alice, bob });
  await calls.alice.publishVideoStream(ctx.rtc.mediaStream('video'));
  await until(() => connected(ctx.rtc.of('alice')) && connected(ctx.rtc.of('bob')), 'connected');
  const polite = calls.alice.sessionId < calls.bob.sessionId ? 'alice' : 'bob';
  const impolite = polite === 'alice' ? 'bob' : 'alice';
  for (const side of [polite, impolite]) {
    const pc = ctx.rtc.of(side)[0];
    const restarts = ctx.rtc.of(impolite)[0].made.restarts;
    pc.fail();
    await until(() => ctx.rtc.of(impolite)[0].made.restarts === restarts + 1, `the impolite side restarts after ${side}'s failure`);
    await until(() => connected(ctx.rtc.of('alice')) && connected(ctx.rtc.of('bob')), `connected again after ${side}'s failure`);
  }
  assert.is(ctx.rtc.of(polite)[0].made.restarts, 0, 'the polite side never restarts on its own');
});

test('a connection that gathers nothing is replaced by a new generation on both sides', async (ctx) => {
  const saved = MEDIA_TIMING.connectTimeoutMs;
  MEDIA_TIMING.connectTimeoutMs = 50;
  try {
    const [alice, bob] = await Promise.all([connect(ctx, 'alice'), connect(ctx, 'bob')]);
    const calls = await joinAll({ alice, bob });
    const signals = recordEvents(bob);
    ctx.rtc.stallNext.add('alice'); // like Chromium's connection that gathers no candidate
    await calls.alice.publishVideoStream(ctx.rtc.mediaStream('video'));
    await until(
      () => ctx.rtc.of('alice').length === 2 && ctx.rtc.of('bob').length === 2 && connected(ctx.rtc.open()),
      () => `alice ${ctx.rtc.of('alice').length}, bob ${ctx.rtc.of('bob').length} connections`,
    );
    const [stuck, fresh] = ctx.rtc.of('alice');
    assert.is(stuck.connectionState, 'closed', 'the stuck connection is closed');
    assert.is(fresh.connectionState, 'connected');
    assert.equal(
      ctx.rtc
        .open()
        .map((pc) => pc.label)
        .sort(),
      ['alice', 'bob'],
    );
    await remote(bob, 'alice', (p) => Boolean(p.videoStream), "alice's video over the new connection");
    signals.stop();
    const generations = signals.events.flatMap((e) => (e.type === 'call.signal' ? e.signals.map((x) => x.generation) : []));
    assert.ok(generations.includes(0) && generations.includes(1), `generations ${[...new Set(generations)].join(',')}`);
    assert.equal(generations, [...generations].sort(), 'a replaced connection sends nothing more');
  } finally {
    MEDIA_TIMING.connectTimeoutMs = saved;
  }
});

test('events lost beyond the replay buffer (a re-sync) with an offer among them: the connections start afresh and connect', async (ctx) => {
  const h = await Harness.start({ replayBuffer: { size: 3 } });
  try {
    const opts = (user: string, delay: number) => ({
      callConfig: CALL_CONFIG.meeting,
      opts: { RTCPeerConnection: ctx.rtc.for(user), statsIntervalMs: 0, reconnectPolicy: { nextDelayMs: () => delay } },
    });
    const alice = await h.connect('alice', opts('alice', 300));
    const bob = await h.connect('bob', opts('bob', 5));
    const id = uniqueId('resync');
    await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }] });
    const [, bobCall] = [await alice.joinCall(id, 'default'), await bob.joinCall(id, 'default')];
    await waitFor(alice.readOnlyStateStore.participants$, (l) => l.size === 2, 'alice sees bob');
    const down = nextEvent(alice, 'connection.changed', (e) => e.state === 'reconnecting');
    h.c.hub.faults.dropUser('alice');
    await down;
    const recovered = nextEvent(alice, 'connection.recovered');
    // bob's offer goes to alice while she is away, and more events than her buffer keeps.
    await bobCall.publishVideoStream(ctx.rtc.mediaStream('video'));
    await until(
      () =>
        (h.c.state.calls.get(bobCall.cid)!.signalSeqs.get(`${bobCall.sessionId}\n${alice.readOnlyStateStore.localParticipant$.get()!.sessionId}`) ?? 0) >= 1,
      'the offer relayed',
    );
    for (let i = 0; i < 4; i++)
      h.c.events.publish(['alice'], bobCall.cid, {
        oneofKind: 'dominantSpeakerChanged',
        dominantSpeakerChanged: { userId: 'bob', sessionId: bobCall.sessionId },
      });
    assert.is((await recovered).reason, 'resync');
    await until(() => connected(ctx.rtc.open('alice')) && connected(ctx.rtc.open('bob')), 'connected after the re-sync');
    await remote(alice, 'bob', (p) => Boolean(p.videoStream), "bob's video after the re-sync");
    assert.equal(
      ctx.rtc.of('bob').map((pc) => pc.connectionState),
      ['closed', 'connected'],
      "bob's stuck connection was replaced",
    );
  } finally {
    await h.close();
  }
});

test('teardown: leave, participant_left, call.ended and disconnectUser leave no connection, track or timer', async (ctx) => {
  const [alice, bob, carol] = await Promise.all([connect(ctx, 'alice', 20), connect(ctx, 'bob', 20), connect(ctx, 'carol', 20)]);
  let calls = await joinAll({ alice, bob, carol });
  for (const u of ['alice', 'bob', 'carol']) await calls[u].publishVideoStream(ctx.rtc.mediaStream('video'));
  await until(() => ['alice', 'bob', 'carol'].every((u) => ctx.rtc.of(u).length === 2 && connected(ctx.rtc.of(u))), 'a full mesh');
  await waitFor(alice.readOnlyStateStore.callStatsReport$, (r) => (r?.peers.length ?? 0) === 2, 'stats on the interval');
  // carol leaves: her connections close at once, the others close theirs to her.
  await calls.carol.leave();
  assert.equal(ctx.rtc.open('carol'), []);
  await until(() => ctx.rtc.open('alice').length === 1 && ctx.rtc.open('bob').length === 1, 'connections to carol closed');
  assert.is(carol.readOnlyStateStore.callStatsReport$.get(), undefined);
  // The call ends: everything closes.
  const ended = nextEvent(bob, 'call.ended');
  await alice.coordinatorClient.endCall({ type: 'default', id: calls.alice.data.id });
  await ended;
  await until(
    () => ctx.rtc.open().length === 0 && ctx.rtc.liveTracks().length === 0,
    () => `closed: open ${ctx.rtc.open().length}, live ${ctx.rtc.liveTracks().length}`,
  );
  // Again, then disconnectUser.
  calls = await joinAll({ alice, bob });
  await calls.alice.publishVideoStream(ctx.rtc.mediaStream('video'));
  await calls.bob.publishAudioStream(ctx.rtc.mediaStream('audio'));
  await until(() => connected(ctx.rtc.open('alice')), 'connected');
  await Promise.all([alice.disconnectUser(), bob.disconnectUser(), carol.disconnectUser()]);
  assert.equal([ctx.rtc.open().length, ctx.rtc.liveTracks().length], [0, 0]);
  await ctx.h.close();
  await noTimersLeft(); // the stats intervals and signal retries included
});

test('20 join/leave cycles with media leave no connection or track behind', async (ctx) => {
  const [alice, bob] = await Promise.all([connect(ctx, 'alice'), connect(ctx, 'bob')]);
  const id = uniqueId('cycles');
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }] });
  const call = await alice.joinCall(id, 'default');
  await call.publishVideoStream(ctx.rtc.mediaStream('video'));
  for (let i = 0; i < 20; i++) {
    const b = await bob.joinCall(id, 'default');
    await b.publishVideoStream(ctx.rtc.mediaStream('video'));
    if (i % 2 === 0) await until(() => connected(ctx.rtc.open('bob')), `cycle ${i} connected`);
    await b.leave();
  }
  assert.is(ctx.rtc.of('bob').length, 20);
  await until(
    () => ctx.rtc.open().length === 0 && ctx.rtc.liveTracks().length === 1,
    () => `open ${ctx.rtc.open().length}, live ${ctx.rtc.liveTracks().length}`,
  );
  await call.leave();
  assert.equal([ctx.rtc.open().length, ctx.rtc.liveTracks().length], [0, 0]);
});

test.run();
