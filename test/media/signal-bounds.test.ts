/**
 * What a hostile member's signals can make the SDK do (src/media/media-session.ts, onSignal):
 * signals injected straight into the victim's event stream (past the coordinator's own checks,
 * see test/contract/media.test.ts) never make it hold more than one connection per remote
 * session, replace one more often than the limit (whatever generations they name), or disturb
 * its other connections; each refusal is logged with a code.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JoinCallRequest, SendSignalsRequest } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { PeerType, SdpType, type Signal } from '../../gen/stream/video/coordinator/v1/models';
import { TrackType } from '../../src/index-node';
import { REPLACE_BURST } from '../../src/media/media-timing';
import { FakeWebRtc } from '../helpers/fake-webrtc';
import { codeLog, joinAll, mediaClient, remoteWhere, shortTiming } from '../helpers/media';
import { SIGNAL_LIMITS } from '../../src/testing/service/signal-checks';
import { eventsOf, rpcClient } from '../helpers/rpc';
import { Harness, until, waitFor } from '../helpers/sdk';

const test = suite<{ h: Harness; rtc: FakeWebRtc }>('signals from a hostile member', { h: undefined as never, rtc: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
  ctx.rtc = new FakeWebRtc();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

test('a generation flood, junk descriptions and 10,000 candidates: one connection per peer, the others untouched, a newcomer connects', async (ctx) => {
  const restore = shortTiming({ healthIntervalMs: 50 });
  try {
    const log = codeLog();
    const alice = await mediaClient(ctx.h, ctx.rtc, 'alice', { logger: log.logger });
    const carol = await mediaClient(ctx.h, ctx.rtc, 'carol');
    const calls = await joinAll({ alice, carol }, 'development');
    // mallory joins with her own token through raw RPCs, and sends what she likes.
    const mallory = await rpcClient(ctx.h.c, 'mallory');
    const [type, id] = [calls.alice.data.type, calls.alice.data.id];
    await mallory.joinCall(JoinCallRequest.create({ type, id, sessionId: 'mallory-1' }));
    await waitFor(alice.readOnlyStateStore.participants$, (l) => l.size === 3, 'alice sees mallory');
    await calls.alice.publishVideoStream(ctx.rtc.mediaStream('video'));
    await calls.carol.publishVideoStream(ctx.rtc.mediaStream('video'));
    await remoteWhere(alice, 'carol', (p) => p.trackStates[TrackType.VIDEO] === 'receiving', "carol's video at alice");
    await remoteWhere(carol, 'alice', (p) => p.trackStates[TrackType.VIDEO] === 'receiving', "alice's video at carol");
    const before = ctx.rtc.of('alice').length; // to carol and to mallory
    assert.is(before, 2);
    let seq = 0;
    const inject = (signals: Omit<Signal, 'seq'>[]) =>
      ctx.h.c.events.publish(['alice'], calls.alice.cid, {
        oneofKind: 'callSignal',
        callSignal: {
          fromUserId: 'mallory',
          fromSessionId: 'mallory-1',
          toSessionId: calls.alice.sessionId,
          signals: signals.map((s) => ({ ...s, seq: ++seq })),
        },
      });
    // Generations 1..1000, in two events, as the flood.
    for (const half of [0, 500])
      inject(
        Array.from({ length: 500 }, (_, i) => ({
          generation: half + i + 1,
          peerType: PeerType.UNSPECIFIED,
          kind: { oneofKind: 'iceRestart', iceRestart: {} },
        })),
      );
    await until(() => seq === 1000, 'the flood injected');
    await until(() => log.count('replacement_rate_limited') === 1000 - REPLACE_BURST, 'the flood handled');
    assert.is(ctx.rtc.of('alice').length, before + REPLACE_BURST, 'replaced at most as often as the limit lets');
    assert.is(ctx.rtc.open('alice').length, 2, 'one open connection per remote session');
    // Junk descriptions at the current generation, and 10,000 candidates.
    const generation = REPLACE_BURST;
    const junk = ['hello', `v=0\r\n${'x'.repeat(60 * 1024)}`, 'v=0\r\no=- 1 1 IN IP4 0.0.0.0\r\nt=0 0\r\n'];
    inject(
      junk.map((sdp) => ({
        generation,
        peerType: PeerType.UNSPECIFIED,
        kind: { oneofKind: 'description', description: { type: SdpType.OFFER, sdp, trackTypes: { '1': TrackType.VIDEO }, trackSessionIds: {} } },
      })),
    );
    inject([
      {
        generation,
        peerType: PeerType.UNSPECIFIED,
        kind: { oneofKind: 'description', description: { type: SdpType.ANSWER, sdp: 'v=0', trackTypes: {}, trackSessionIds: {} } },
      },
    ]);
    inject(
      Array.from({ length: 10_000 }, (_, i) => ({
        generation,
        peerType: PeerType.UNSPECIFIED,
        kind: {
          oneofKind: 'candidate',
          candidate: {
            candidate: `candidate:${i} 1 udp 1 203.0.113.${i % 250} ${1000 + (i % 60_000)} typ host`,
            sdpMid: '0',
            sdpMLineIndex: 0,
            usernameFragment: 'x',
          },
        },
      })),
    );
    await until(() => seq === 1000 + junk.length + 1 + 10_000 && log.codes.length > 0, 'everything injected');
    await new Promise((r) => setTimeout(r, 200));
    assert.ok(log.count('signal_not_applied') + log.count('unexpected_offer') + log.count('unexpected_answer') >= 1, JSON.stringify([...new Set(log.codes)]));
    assert.is(ctx.rtc.open('alice').length, 2);
    // carol's connection never moved and her video still arrives.
    assert.is(ctx.rtc.of('alice')[0].connectionState, 'connected');
    assert.equal(
      ctx.rtc.of('carol').map((pc) => pc.connectionState === 'closed'),
      [false, false],
      "carol's connections (to alice, to mallory) were never replaced",
    );
    const frames = async () => (await calls.carol.getStats()).subscriberStats.framesProcessed;
    const f0 = await frames();
    assert.ok((await frames()) > f0, 'carol still receives alice');
    const atAlice = alice.readOnlyStateStore.remoteParticipants$
      .get()
      .toArray()
      .find((p) => p.userId === 'carol')!;
    assert.equal([atAlice.mediaConnectionState, atAlice.trackStates[TrackType.VIDEO]], ['connected', 'receiving']);
    // A participant who joins now gets media both ways.
    const dave = await mediaClient(ctx.h, ctx.rtc, 'dave');
    const daveCall = await dave.joinCall(id, type);
    await daveCall.publishVideoStream(ctx.rtc.mediaStream('video'));
    await remoteWhere(alice, 'dave', (p) => p.trackStates[TrackType.VIDEO] === 'receiving', "dave's video at alice");
    await remoteWhere(dave, 'alice', (p) => p.trackStates[TrackType.VIDEO] === 'receiving', "alice's video at dave");
    await remoteWhere(dave, 'alice', (p) => p.mediaConnectionState === 'connected', 'dave connected to alice');
    assert.is(ctx.rtc.open('alice').length, 3, 'carol, mallory, dave');
  } finally {
    restore();
  }
});

test('the other side went ahead while replacements were refused: the next new connection starts past it, and is relayed', async (ctx) => {
  const restore = shortTiming({ healthIntervalMs: 20, negotiationTimeoutMs: 300, replaceBackoffMs: 50, replaceRefillMs: 400 });
  const refill = SIGNAL_LIMITS.generationRefillMs;
  SIGNAL_LIMITS.generationRefillMs = 100;
  try {
    const log = codeLog();
    const alice = await mediaClient(ctx.h, ctx.rtc, 'alice', { logger: log.logger });
    const calls = await joinAll({ alice }, 'development');
    const [type, id] = [calls.alice.data.type, calls.alice.data.id];
    const mallory = await rpcClient(ctx.h.c, 'mallory');
    await mallory.joinCall(JoinCallRequest.create({ type, id, sessionId: 'mallory-1' }));
    await waitFor(alice.readOnlyStateStore.participants$, (l) => l.size === 2, 'alice sees mallory');
    await calls.alice.publishVideoStream(ctx.rtc.mediaStream('video'));
    let seq = 0;
    const restart = (generation: number) =>
      mallory.sendSignals(
        SendSignalsRequest.create({
          type,
          id,
          sessionId: 'mallory-1',
          targets: [
            {
              toSessionId: calls.alice.sessionId,
              signals: [{ seq: ++seq, generation, peerType: PeerType.UNSPECIFIED, kind: { oneofKind: 'iceRestart', iceRestart: {} } }],
            },
          ],
        }),
      );
    // Three new connections at once (alice follows each), a fourth soon after (alice may not yet).
    for (const g of [1, 2, 3]) await restart(g);
    await new Promise((r) => setTimeout(r, 150));
    await restart(4);
    await until(
      () => log.count('replacement_rate_limited') === 1,
      () => JSON.stringify(log.codes),
    );
    // mallory never answers: alice's negotiation times out, and her new connection is generation 5.
    await until(
      () => eventsOf(ctx.h.c, 'mallory').some((e) => e.payload.oneofKind === 'callSignal' && e.payload.callSignal.signals.some((x) => x.generation === 5)),
      () =>
        `generations to mallory: ${eventsOf(ctx.h.c, 'mallory')
          .flatMap((e) => (e.payload.oneofKind === 'callSignal' ? e.payload.callSignal.signals.map((x) => x.generation) : []))
          .join(',')}`,
    );
    assert.ok(log.count('media_new_connection') >= 1);
    assert.is(ctx.rtc.open('alice').length, 1);
  } finally {
    SIGNAL_LIMITS.generationRefillMs = refill;
    restore();
  }
});

test('signals from a session not in the call, or to another session, are dropped', async (ctx) => {
  const log = codeLog();
  const alice = await mediaClient(ctx.h, ctx.rtc, 'alice', { logger: log.logger });
  const bob = await mediaClient(ctx.h, ctx.rtc, 'bob');
  const calls = await joinAll({ alice, bob });
  const restart: Signal = { seq: 1, generation: 0, peerType: PeerType.UNSPECIFIED, kind: { oneofKind: 'iceRestart', iceRestart: {} } };
  for (const [from, to] of [
    ['nobody', calls.alice.sessionId],
    [calls.alice.sessionId, calls.alice.sessionId],
    [calls.bob.sessionId, 'another-device'],
  ])
    ctx.h.c.events.publish(['alice'], calls.alice.cid, {
      oneofKind: 'callSignal',
      callSignal: { fromUserId: 'x', fromSessionId: from, toSessionId: to, signals: [restart] },
    });
  await until(
    () => log.count('signal_unknown_sender') === 2,
    () => JSON.stringify(log.codes),
  );
  assert.is(ctx.rtc.of('alice').length, 0, 'no connection made');
});

test.run();
