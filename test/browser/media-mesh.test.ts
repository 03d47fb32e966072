/**
 * The mesh in Chromium with four demo pages (fake camera and microphone):
 * - all four join and publish camera and microphone at once: every page renders the three
 *   others (frames counted with requestVideoFrameCallback, ten more after the first ones) and
 *   receives their audio (packets still arriving);
 * - a member of the call (bob) attacks another (alice) from his page with his own token, through
 *   raw `SendSignals` requests: the generation flood, malformed descriptions and
 *   10,000 candidates. The coordinator refuses what it must (codes and meta checked), alice never
 *   holds more connections than she has peers, keeps her media with carol, and dave, who joins
 *   right after, gets media both ways.
 */
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { startDemoServer } from '../../examples/demo-page/demo-server';
import { PeerType, SdpType } from '../../gen/stream/video/coordinator/v1/models';
import { TrackType } from '../../src/index';
import { REPLACE_BURST } from '../../src/media/media-timing';
import { SIGNAL_LIMITS } from '../../src/testing/service/signal-checks';
import { suite } from 'uvu';
import { assertLocalMedia, closeBrowser, MEDIA_WAIT_MS, UNPROCESSED_AUDIO, type ServerSession } from '../helpers/browser';
import { mediaReport, openMediaPage, poll } from '../helpers/media-page';
import type { DemoServer } from '../../examples/demo-page/demo-server';
import type { Signal } from '../../gen/stream/video/coordinator/v1/models';
import type { StreamVideoError } from '../../src/index';

/**
 * New frames a page must render of another after its first ones, more audio packets arriving
 * meanwhile: a frozen video renders none (the freezes of issue 21 came after 1 to 6 frames);
 * the fake camera sends 10 a second (FAKE_CAMERA_FPS).
 */
const MORE_FRAMES = 10;
const USERS = ['alice', 'bob', 'carol', 'dave'] as const;
type User = (typeof USERS)[number];

declare global {
  interface Window {
    /** The most peer connections the page held open at once since the test started counting. */
    __maxOpen: number;
  }
}

interface Ctx extends ServerSession<DemoServer> {
  /** A page per user, in the order of USERS, opened once and reused by the file's tests. */
  pages?: Page[];
  /** The pages' errors. */
  errors: string[];
}

const test = suite<Ctx>('the mesh in a browser', { contexts: [], errors: [] });
// Opened in the first test's before.each: uvu swallows an error thrown by `before`.
test.before.each(async (ctx) => {
  ctx.server ??= await startDemoServer({ port: 0 });
  ctx.pages ??= await Promise.all(USERS.map((u) => openMediaPage(ctx, ctx.server!.url, u, ctx.errors)));
});
test.after(async (ctx) => {
  await closeBrowser(ctx);
  await ctx.server?.close();
});

function join(page: Page, callId: string): Promise<void> {
  return page.evaluate((id) => window.demo.client.joinCall(id, 'development').then(() => undefined), callId);
}

/** Publishes camera and microphone (`audioFirst`: the microphone first). */
function publish(page: Page, audioFirst = false): Promise<void> {
  return page.evaluate(
    async ({ audioFirst, audio }) => {
      const call = window.demo.client.readOnlyStateStore.activeCall$.get()!;
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 160, height: 120 }, audio });
      if (audioFirst) await call.publishAudioStream(stream);
      await call.publishVideoStream(stream);
      if (!audioFirst) await call.publishAudioStream(stream);
    },
    { audioFirst, audio: UNPROCESSED_AUDIO },
  );
}

function leave(page: Page): Promise<void> {
  return page.evaluate(() => window.demo.client.readOnlyStateStore.activeCall$.get()?.leave());
}

/** Each of `views` ([page, remote user]) renders frames and has live audio; then renders {@link MORE_FRAMES} more with more audio packets, and the store says receiving. */
async function rendersAndHears(views: [Page, User][], what: string): Promise<void> {
  const read = (page: Page, user: User) =>
    page.evaluate(
      async ({ id, AUDIO, VIDEO }) => {
        const p = window.demo.client.readOnlyStateStore.remoteParticipants$
          .get()
          .toArray()
          .find((x) => x.userId === id);
        const track = p?.audioStream?.getAudioTracks()[0];
        const frames = window.__media.frames(id);
        return {
          frames,
          // The statistics only once the video plays: reading them costs the page.
          packets: frames > 0 ? await window.__media.audioPackets(id) : 0,
          unmuted: track?.readyState === 'live' && !track.muted,
          receiving: p?.mediaConnectionState === 'connected' && p.trackStates[AUDIO] === 'receiving' && p.trackStates[VIDEO] === 'receiving',
        };
      },
      { id: user, AUDIO: TrackType.AUDIO, VIDEO: TrackType.VIDEO },
    );
  const first = await Promise.all(
    views.map(([page, user]) =>
      poll(
        () => read(page, user),
        (r) => r.frames > 0 && r.packets > 0 && r.unmuted,
        async () => `${what}: ${user} never played: ${await mediaReport(page, user)}`,
        MEDIA_WAIT_MS,
      ),
    ),
  );
  await Promise.all(
    views.map(([page, user], i) =>
      poll(
        () => read(page, user),
        (later) => later.frames - first[i].frames >= MORE_FRAMES && later.packets > first[i].packets && later.receiving,
        async () => `${what}: ${user} ${JSON.stringify(first[i])} stopped: ${await mediaReport(page, user)}`,
        MEDIA_WAIT_MS,
      ),
    ),
  );
}

test('four pages publish camera and microphone at once: each renders and hears the three others', async (ctx) => {
  const all = ctx.pages!;
  const id = `four-${Date.now().toString(36)}`;
  // Two pages publish the camera first, two the microphone first.
  await Promise.all(all.map((page, i) => join(page, id).then(() => publish(page, i % 2 === 1))));
  const views = USERS.flatMap((me, i) => USERS.filter((u) => u !== me).map((other) => [all[i], other] as [Page, User]));
  assert.is(views.length, 12);
  await rendersAndHears(views, 'four publishers');
  for (const page of all) assert.is(await page.evaluate(() => window.__rtc.pcs.filter((pc) => pc.connectionState !== 'closed').length), 3);
  // Issue 28: every connection's media stays on loopback or the namespace's own addresses.
  await assertLocalMedia(Object.fromEntries(all.map((page, i) => [USERS[i], page])));
  await Promise.all(all.map(leave));
  assert.equal(ctx.errors, []);
});

test("a member's generation flood, malformed descriptions and 10,000 candidates: the victim keeps one connection per peer and its media", async (ctx) => {
  const [alice, bob, carol, dave] = ctx.pages!;
  const id = `hostile-${Date.now().toString(36)}`;
  for (const page of [alice, carol, bob]) await join(page, id);
  await Promise.all([publish(alice), publish(carol)]);
  await rendersAndHears(
    [
      [alice, 'carol'],
      [carol, 'alice'],
    ],
    'before the attack',
  );
  const pcsBefore = await alice.evaluate(() => {
    // The most connections alice holds open at any moment from now on.
    window.__maxOpen = 0;
    setInterval(() => (window.__maxOpen = Math.max(window.__maxOpen, window.__rtc.pcs.filter((pc) => pc.connectionState !== 'closed').length)), 5);
    return window.__rtc.pcs.length;
  });

  // bob's page, with his own token: raw SendSignals requests to alice's session.
  const outcome = await bob.evaluate(
    async ({ OFFER, UNSPECIFIED, burst }) => {
      const { client } = window.demo;
      const call = client.readOnlyStateStore.activeCall$.get()!;
      const [type, id] = call.cid.split(':');
      const to = client.readOnlyStateStore.remoteParticipants$
        .get()
        .toArray()
        .find((p) => p.userId === 'alice')!.sessionId;
      // Far above the numbers bob's own SDK uses towards alice.
      let seq = 1_000_000;
      const send = async (kinds: Omit<Signal, 'seq'>[]): Promise<{ delivered?: number; code?: string; reason?: string; argument?: string }> => {
        try {
          const answer = await client.coordinatorClient.sendSignals({
            type,
            id,
            sessionId: call.sessionId,
            targets: [{ toSessionId: to, signals: kinds.map((k) => ({ ...k, seq: ++seq })) }],
          });
          return { delivered: answer.delivered };
        } catch (err) {
          const e = err as StreamVideoError;
          return { code: e.code, reason: e.meta['reason'] ?? '', argument: e.meta['argument'] ?? '' };
        }
      };
      const restart = (generation: number): Omit<Signal, 'seq'> => ({
        generation,
        peerType: UNSPECIFIED,
        kind: { oneofKind: 'iceRestart', iceRestart: {} },
      });
      const description = (sdp: string, generation: number): Omit<Signal, 'seq'> => ({
        generation,
        peerType: UNSPECIFIED,
        kind: { oneofKind: 'description', description: { type: OFFER, sdp, trackTypes: {}, trackSessionIds: {} } },
      });
      const flood = [await send(Array.from({ length: 500 }, (_, i) => restart(i + 1))), await send(Array.from({ length: 500 }, (_, i) => restart(i + 501)))];
      // One step at a time, as fast as it can: the generations the coordinator lets through.
      const steps = [];
      for (let g = 1; g <= 10; g++) steps.push(await send([restart(g)]));
      const generation = steps.filter((s) => s.delivered === 1).length;
      const malformed = [
        await send([description('hello, this is not a session description', generation)]),
        await send([description('v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n', generation)]),
        await send([description(`v=0\r\n${'x'.repeat(60 * 1024)}`, generation)]),
      ];
      const candidates = [];
      for (let n = 0; n < 50; n++) {
        candidates.push(
          await send(
            Array.from({ length: 200 }, (_, i): Omit<Signal, 'seq'> => ({
              generation,
              peerType: UNSPECIFIED,
              kind: {
                oneofKind: 'candidate',
                candidate: {
                  candidate: `candidate:${n * 200 + i} 1 udp 1 203.0.113.${(i % 250) + 1} ${9000 + n} typ host`,
                  sdpMid: '0',
                  sdpMLineIndex: 0,
                  usernameFragment: '',
                },
              },
            })),
          ),
        );
      }
      const delivered = candidates.reduce((sum, c) => sum + (c.delivered ?? 0), 0);
      return { flood, steps, malformed, delivered, refused: candidates.filter((c) => c.reason === 'signal_rate').length, burst };
    },
    { OFFER: SdpType.OFFER, UNSPECIFIED: PeerType.UNSPECIFIED, burst: SIGNAL_LIMITS.signalBurst },
  );
  assert.equal(outcome.flood, [
    { code: 'resource_exhausted', reason: 'generation_rate', argument: '' },
    { code: 'invalid_argument', reason: 'generation_step', argument: 'targets[0].signals[0].generation' },
  ]);
  // The burst of steps goes through; the next step is refused for the rate, and those after it step too far.
  const stepped = outcome.steps.filter((s) => s.delivered === 1).length;
  assert.is(stepped, SIGNAL_LIMITS.generationBurst, JSON.stringify(outcome.steps));
  assert.equal([outcome.steps[stepped].code, outcome.steps[stepped].reason], ['resource_exhausted', 'generation_rate']);
  assert.ok(
    outcome.steps.slice(stepped + 1).every((s) => s.code !== undefined),
    JSON.stringify(outcome.steps),
  );
  for (const m of outcome.malformed) assert.equal([m.code, m.argument], ['invalid_argument', 'targets[0].signals[0].description.sdp']);
  assert.ok(outcome.delivered >= outcome.burst && outcome.delivered < 10_000, `candidates relayed: ${outcome.delivered}`);
  assert.ok(outcome.refused > 0, 'the rest refused for the rate');

  // alice: never more open connections than peers (carol, bob); replaced at most as the limits let.
  const victim = await alice.evaluate(() => ({ maxOpen: window.__maxOpen, made: window.__rtc.pcs.length }));
  assert.ok(victim.maxOpen <= 2, `alice held ${victim.maxOpen} connections at once`);
  assert.ok(victim.made - pcsBefore <= Math.min(REPLACE_BURST, SIGNAL_LIMITS.generationBurst) + 1, `alice made ${victim.made - pcsBefore} connections`);
  // dave joins right after and publishes: media both ways with alice; alice and carol still see and hear each other.
  await join(dave, id);
  await publish(dave);
  await rendersAndHears(
    [
      [alice, 'dave'],
      [dave, 'alice'],
      [alice, 'carol'],
      [carol, 'alice'],
    ],
    'after the attack',
  );
  const open = await alice.evaluate(() => window.__rtc.pcs.filter((pc) => pc.connectionState !== 'closed').length);
  assert.ok(open <= 3, `alice holds ${open} connections for 3 peers`);
  await Promise.all([alice, bob, carol, dave].map(leave));
  assert.equal(ctx.errors, [], 'no errors in the pages');
});

test.run();
