/**
 * Media in a real browser: the demo page in two Chromium pages (fake camera and microphone),
 * alice and bob. Ring, accept, both publish camera and microphone (the call's device
 * managers); each page decodes the other's video, rates its connection (the tile's quality
 * dot) (framesDecoded from getStats, videoWidth on the remote <video>); a revoke of
 * bob's send-video makes alice's page stop receiving his video frames; bob shares his screen
 * once alice grants it; then 20 join/leave
 * cycles leave no open peer connection and no live track in either page. Moderation from
 * alice's tiles: a mute stops bob's microphone; a kick and a block take bob out of the call
 * with every connection and track on both pages (his join refused while blocked); ending the
 * call closes everything on both.
 *
 * Every wait is a condition with a safety timeout, never a wall-clock bound on speed.
 * Screenshots of the tiles go to test-results/screenshots/media-*.png.
 */
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { startDemoServer } from '../../examples/demo-page/demo-server';
import {
  assertLocalMedia,
  assertLocalPairs,
  browserSuite,
  checkpoint,
  count,
  MEDIA_WAIT_MS,
  mediaCounts,
  openAs,
  seesVideoOf,
  seeText,
  UNPROCESSED_AUDIO,
  type CandidatePair,
} from '../helpers/browser';
import { suiteName, uniqueId } from '../helpers/common';

/** Join/leave cycles of the teardown test. */
const CYCLES = 20;

const test = browserSuite(suiteName(import.meta.url), () => startDemoServer({ port: 0 }));

const tile = (page: Page, userId: string) => page.locator(`[data-testid="tile"][data-user-id="${userId}"]`);

/** Video frames decoded from `userId`'s peer connection, per the SDK's getStats. */
function framesDecodedFrom(page: Page, userId: string): Promise<number> {
  return page.evaluate(async (id) => {
    const call = window.demo.client.readOnlyStateStore.activeCall$.get();
    const report = await call!.getStats();
    return report.peers.filter((p) => p.userId === id).reduce((n, p) => n + p.subscriber.framesProcessed, 0);
  }, userId);
}

/** Resolves once `read()` satisfies `ok`, polling; fails with the last value after the safety bound. */
async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string): Promise<T> {
  const deadline = Date.now() + MEDIA_WAIT_MS;
  let last: T = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 100));
    last = await read();
  }
  return last;
}

/** Resolves once the frames decoded from `userId` stop growing: the same count over `samples` consecutive reads 200 ms apart. */
async function framesStop(page: Page, userId: string, samples = 5): Promise<number> {
  let same = 0;
  let previous = -1;
  await eventually(
    async () => {
      await new Promise((r) => setTimeout(r, 200));
      const now = await framesDecodedFrom(page, userId);
      same = now === previous ? same + 1 : 0;
      previous = now;
      return same;
    },
    (n) => n >= samples,
    `the frames from ${userId} stop growing`,
  );
  return previous;
}

async function ringAndAccept(alice: Page, bob: Page): Promise<string> {
  await alice.getByTestId('callee-input').fill('bob');
  await alice.getByTestId('ring').click();
  await seeText(bob, 'incoming-call', 'Alice (alice) is calling', 'bob');
  const cid = (await alice.getByTestId('outgoing-call').getAttribute('data-call-cid')) ?? '';
  await bob.getByTestId('incoming-call').getByTestId('accept').click();
  for (const [who, page] of Object.entries({ alice, bob })) {
    await seeText(page, 'active-call', `In call ${cid}`, who);
    await count(page, '[data-testid="tile"]', 2, who);
  }
  return cid;
}

test('ring, accept, both publish camera and microphone, each decodes the other; a revoke stops the video', async (ctx) => {
  const [a, b] = await Promise.all([openAs(ctx, ctx.server!.url, 'alice', { media: true }), openAs(ctx, ctx.server!.url, 'bob', { media: true })]);
  const { page: alice } = a;
  const { page: bob } = b;
  const both = { alice, bob };
  await ringAndAccept(alice, bob);

  for (const [who, page] of Object.entries(both)) {
    await page.getByTestId('camera-toggle').click();
    await page.getByTestId('mic-toggle').click();
    await page.locator('[data-testid="camera-toggle"][data-on="true"]').waitFor();
    await page.locator('[data-testid="mic-toggle"][data-on="true"]').waitFor();
    await seeText(page, 'camera-toggle', 'Stop camera', who);
  }
  // Each page plays the other's camera and decodes its frames; mute state shows on the tiles.
  const [bobWidth, aliceWidth] = [await seesVideoOf(alice, 'bob', 'alice'), await seesVideoOf(bob, 'alice', 'bob')];
  assert.ok(bobWidth > 0 && aliceWidth > 0);
  for (const [who, page, other] of [
    ['alice', alice, 'bob'],
    ['bob', bob, 'alice'],
  ] as const) {
    const frames = await eventually(
      () => framesDecodedFrom(page, other),
      (n) => n > 0,
      `${who} decodes ${other}'s frames`,
    );
    assert.ok(frames > 0, `${who} decoded ${frames} frames of ${other}`);
    await tile(page, other).getByTestId('video-on').waitFor();
    await tile(page, other).getByTestId('audio-on').waitFor();
    // The remote microphone plays through the tile's audio element.
    await page.waitForFunction((id) => {
      const audio = document.querySelector<HTMLAudioElement>(`[data-testid="tile"][data-user-id="${id}"] [data-testid="tile-audio"]`);
      return Boolean(audio && audio.srcObject && (audio.srcObject as MediaStream).getAudioTracks().length === 1);
    }, other);
    await page.locator('[data-testid="quality"][data-frames-decoded]').waitFor();
    // The tile's quality dot rates what arrives; the pickers list the fake devices.
    await tile(page, other).locator('[data-testid="quality-dot"]:not([data-quality="unknown"])').waitFor({ timeout: MEDIA_WAIT_MS });
    await page.locator('[data-testid="mic-select"] option:nth-child(2)').waitFor({ state: 'attached' });
  }
  await checkpoint(both, '1-both-publishing', 'media');
  // The media flows on loopback or the test run's namespace address, never off the machine.
  await assertLocalMedia(both);

  // Mute and unmute the microphone: visible to the other page through publishedTracks.
  await bob.getByTestId('mic-toggle').click();
  await tile(alice, 'bob').getByTestId('audio-muted').waitFor();
  await bob.getByTestId('mic-toggle').click();
  await tile(alice, 'bob').getByTestId('audio-on').waitFor();

  // Screen share: bob (a member) asks, alice grants, bob shares; alice plays his screen.
  assert.ok(await bob.getByTestId('screenshare-toggle').isDisabled(), 'no screenshare before the grant');
  await bob.getByTestId('request-screenshare').click();
  await alice.getByTestId('grant').click();
  await bob.locator('[data-testid="screenshare-toggle"]:not([disabled])').waitFor();
  await bob.getByTestId('screenshare-toggle').click();
  // Shown once the share is published and announced: a media wait, not a page update.
  for (const page of [alice, bob]) await page.getByTestId('screenshare-badge').waitFor({ timeout: MEDIA_WAIT_MS });
  await alice.waitForFunction(
    () => (document.querySelector<HTMLVideoElement>('[data-testid="tile"][data-user-id="bob"] [data-testid="tile-screen"]')?.videoWidth ?? 0) > 0,
    undefined,
    { timeout: MEDIA_WAIT_MS },
  );
  await checkpoint(both, '2-bob-shares-his-screen', 'media');
  await bob.getByTestId('screenshare-toggle').click();
  for (const page of [alice, bob]) await page.getByTestId('screenshare-badge').waitFor({ state: 'hidden' });

  // alice (the call's admin) revokes bob's send-video: bob's camera stops, alice stops receiving it.
  await tile(alice, 'bob').getByTestId('revoke-video').click();
  await tile(alice, 'bob').getByTestId('video-muted').waitFor();
  await bob.locator('[data-testid="camera-toggle"][data-on="false"]').waitFor();
  assert.ok(await bob.getByTestId('camera-toggle').isDisabled(), 'bob may not start his camera again');
  const stopped = await framesStop(alice, 'bob');
  assert.ok(stopped > 0);
  await alice.waitForFunction(() => {
    const video = document.querySelector<HTMLVideoElement>('[data-testid="tile"][data-user-id="bob"] [data-testid="tile-video"]');
    return video !== null && video.hidden && video.srcObject === null;
  });
  // bob's camera track has ended in his page (every live video track there is one he receives); his microphone still goes to alice.
  const bobCameras = await bob.evaluate(() => {
    const received = new Set(window.__rtc.pcs.flatMap((pc) => pc.getReceivers().map((r) => r.track)));
    return window.__rtc.tracks.filter((t) => t.kind === 'video' && t.readyState === 'live' && !received.has(t)).length;
  });
  assert.is(bobCameras, 0, 'no camera of bob is live');
  await tile(alice, 'bob').getByTestId('audio-on').waitFor();
  // alice still receives nothing new from bob while he lacks the capability, and he still sees her.
  assert.ok((await framesDecodedFrom(bob, 'alice')) > 0);
  await checkpoint(both, '3-bob-video-revoked', 'media');

  // Both leave: no peer connection and no track left in either page.
  for (const page of [bob, alice]) await page.getByTestId('leave').click();
  for (const [who, page] of Object.entries(both)) {
    await seeText(page, 'active-call', /^Not in a call$/, who);
    const counts = await eventually(
      () => mediaCounts(page),
      (c) => c.openPcs === 0 && c.liveTracks === 0,
      `${who} has nothing open`,
    );
    assert.equal([counts.openPcs, counts.liveTracks], [0, 0], who);
    assert.ok(counts.pcs >= 1 && counts.tracks >= 3, `${who} had connections and tracks: ${JSON.stringify(counts)}`);
  }
  assert.equal([...a.errors, ...b.errors], [], 'no errors in the pages');
});

/** Resolves once `page` has exactly `pcs` open peer connections and `live` live tracks. */
async function mediaLeft(page: Page, who: string, pcs: number, live: number): Promise<void> {
  const counts = await eventually(
    () => mediaCounts(page),
    (c) => c.openPcs === pcs && c.liveTracks === live,
    `${who} has ${pcs} open connections and ${live} live tracks`,
  );
  assert.equal([counts.openPcs, counts.liveTracks], [pcs, live], who);
}

test('moderation: a mute stops the microphone; a kick and a block tear down the media on both pages; ending the call closes everything', async (ctx) => {
  const [a, b] = await Promise.all([openAs(ctx, ctx.server!.url, 'alice', { media: true }), openAs(ctx, ctx.server!.url, 'bob', { media: true })]);
  const { page: alice } = a;
  const { page: bob } = b;
  const both = { alice, bob };
  await ringAndAccept(alice, bob);
  for (const page of [alice, bob]) {
    await page.getByTestId('camera-toggle').click();
    await page.getByTestId('mic-toggle').click();
    await page.locator('[data-testid="mic-toggle"][data-on="true"]').waitFor();
  }
  await seesVideoOf(alice, 'bob', 'alice');
  await seesVideoOf(bob, 'alice', 'bob');

  // A mute: bob's microphone stops on his device and at alice; he keeps his camera.
  await tile(alice, 'bob').getByTestId('mute-audio').click();
  await tile(alice, 'bob').getByTestId('audio-muted').waitFor();
  await bob.locator('[data-testid="mic-toggle"][data-on="false"]').waitFor();
  await tile(alice, 'bob').getByTestId('video-on').waitFor();

  // A kick: bob is out with nothing left open; alice keeps only her own camera and microphone.
  await tile(alice, 'bob').getByTestId('kick-user').click();
  await seeText(bob, 'active-call', /^Not in a call$/, 'bob');
  await mediaLeft(bob, 'bob (kicked)', 0, 0);
  await count(alice, '[data-testid="tile"]', 1, 'alice');
  await mediaLeft(alice, 'alice (bob kicked)', 0, 2);
  await checkpoint(both, '5-bob-kicked', 'media');

  // bob joins again and publishes; then a block takes him out the same way, and keeps him out.
  await bob.getByTestId('rejoin').click();
  await count(alice, '[data-testid="tile"]', 2, 'alice');
  await bob.getByTestId('camera-toggle').click();
  await seesVideoOf(alice, 'bob', 'alice');
  await tile(alice, 'bob').getByTestId('block-user').click();
  await seeText(bob, 'active-call', /^Not in a call$/, 'bob');
  await mediaLeft(bob, 'bob (blocked)', 0, 0);
  await mediaLeft(alice, 'alice (bob blocked)', 0, 2);
  await bob.getByTestId('rejoin').click();
  await bob.locator('[data-testid="error"][data-code="permission_denied"]').waitFor();
  await mediaLeft(bob, 'bob (join refused)', 0, 0);
  await checkpoint({ alice }, '6-bob-blocked', 'media');

  // Unblocked, bob joins; alice ends the call: nothing open on either page.
  await alice.getByTestId('blocked-user').getByTestId('unblock').click();
  await bob.getByTestId('rejoin').click();
  await seesVideoOf(bob, 'alice', 'bob');
  await alice.getByTestId('end-call').click();
  for (const [who, page] of Object.entries(both)) {
    await seeText(page, 'active-call', /^Not in a call$/, who);
    await mediaLeft(page, `${who} (call ended)`, 0, 0);
  }
  await seeText(bob, 'moderation-notice', 'Alice (alice) ended the call for everyone', 'bob');
  const refused = b.errors.filter((e) => / 403 /.test(e));
  assert.is(refused.length, 1, "the blocked join's refusal");
  assert.equal([...a.errors, ...b.errors.filter((e) => !refused.includes(e))], [], 'no other errors in the pages');
});

test(`${CYCLES} join/leave cycles leave no open peer connection and no live track`, async (ctx) => {
  const [a, b] = await Promise.all([openAs(ctx, ctx.server!.url, 'alice', { media: true }), openAs(ctx, ctx.server!.url, 'bob', { media: true })]);
  const id = uniqueId('cycles');
  // alice stays in the call and publishes; bob joins, publishes a fresh camera and microphone
  // and leaves, fifty times: on even cycles once connected, on odd ones at once (mid-negotiation).
  await a.page.evaluate(
    async ({ callId, audio }) => {
      const { client } = window.demo;
      await client.getOrCreateCall(callId, 'development', { members: [{ userId: 'bob' }] });
      const call = await client.joinCall(callId, 'development');
      const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio });
      await call.publishVideoStream(stream);
      await call.publishAudioStream(stream);
    },
    { callId: id, audio: UNPROCESSED_AUDIO },
  );
  const result = await b.page.evaluate(
    async ({ callId, cycles, waitMs, audio }) => {
      const { client } = window.demo;
      const rtc = window.__rtc;
      let connected = 0;
      const pairs: (CandidatePair | null)[] = [];
      for (let i = 0; i < cycles; i++) {
        const call = await client.joinCall(callId, 'development');
        const stream = await navigator.mediaDevices.getUserMedia({ video: { width: 320, height: 240 }, audio });
        await call.publishVideoStream(stream);
        await call.publishAudioStream(stream);
        if (i % 2 === 0) {
          // This cycle's connection to alice (a new one replaces it when it cannot connect).
          const first = rtc.pcs.length - 1;
          const deadline = Date.now() + waitMs;
          let up: RTCPeerConnection | undefined;
          while (!(up = rtc.pcs.slice(first).find((pc) => pc.connectionState === 'connected'))) {
            if (Date.now() > deadline)
              throw new Error(
                `cycle ${i}: not connected (${rtc.pcs
                  .slice(first)
                  .map((pc) => pc.connectionState)
                  .join(', ')})`,
              );
            await new Promise((r) => setTimeout(r, 20));
          }
          connected++;
          pairs.push(await rtc.pairOf(up));
        }
        await call.leave();
      }
      return { connected, pairs };
    },
    { callId: id, cycles: CYCLES, waitMs: MEDIA_WAIT_MS, audio: UNPROCESSED_AUDIO },
  );
  assert.is(result.connected, CYCLES / 2);
  assertLocalPairs(result.pairs, 'bob, each connected cycle');
  const bobCounts = await eventually(
    () => mediaCounts(b.page),
    (c) => c.openPcs === 0 && c.liveTracks === 0,
    'bob has nothing open',
  );
  assert.ok(bobCounts.pcs >= CYCLES, `a peer connection per cycle at least: ${bobCounts.pcs}`);
  assert.is(bobCounts.tracks >= CYCLES * 2, true, `bob made ${bobCounts.tracks} tracks`);
  // alice closed her connection to each of bob's sessions; only her own camera and microphone live on.
  const aliceCounts = await eventually(
    () => mediaCounts(a.page),
    (c) => c.openPcs === 0 && c.liveTracks === 2,
    'alice has only her own tracks',
  );
  assert.ok(aliceCounts.pcs >= CYCLES, `alice made ${aliceCounts.pcs} connections`);
  await count(a.page, '[data-testid="tile"]', 1, 'alice');
  await checkpoint({ alice: a.page, bob: b.page }, '4-after-cycles', 'media');
  await a.page.getByTestId('leave').click();
  const after = await eventually(
    () => mediaCounts(a.page),
    (c) => c.openPcs === 0 && c.liveTracks === 0,
    'alice has nothing open after leaving',
  );
  assert.equal([after.openPcs, after.liveTracks], [0, 0]);
  assert.equal([...a.errors, ...b.errors], [], 'no errors in the pages');
});

test.run();
