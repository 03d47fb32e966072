/**
 * Helpers of the Chromium media tests (test/browser/media-*.test.ts): demo pages signed in as
 * any user, what a page renders of a remote participant (frames counted with
 * `requestVideoFrameCallback` on the tile's `<video>`, the audio the SDK receives), and a
 * dump of a page's media for the failure message. Pages come from {@link launch}, so the
 * browser's flags (and where it runs) are the ones of test/helpers/browser.ts.
 *
 * ```ts
 * const page = await openMediaPage(session, demo.url, 'dave');
 * await page.evaluate(FRAMES_OF, 'alice'); // frames rendered of alice's camera so far
 * ```
 */
import type { Page } from 'playwright-core';
import { launch, MEDIA_PROBE, type BrowserSession } from './browser';

/**
 * In-page helpers (plain JavaScript, run before the page's scripts): `window.__media.frames(userId)`
 * counts the frames the tile of `userId` rendered (the counter starts at its first call on that
 * element); `window.__media.audioPackets(userId)` the audio packets received from `userId`;
 * `window.__media.report(userId)` describes what the page receives of `userId`.
 */
export const RENDER_PROBE = `(() => {
  // Functions a test passes to page.evaluate are compiled by tsx, whose esbuild names inner functions with __name.
  window.__name = (f) => f;
  const counters = new WeakMap();
  const tileVideo = (userId) => document.querySelector('[data-testid="tile"][data-user-id="' + userId + '"] [data-testid="tile-video"]');
  const remote = (userId) => window.demo.client.readOnlyStateStore.remoteParticipants$.get().toArray().find((p) => p.userId === userId);
  window.__media = {
    frames(userId) {
      const video = tileVideo(userId);
      if (!video) return -1;
      let counter = counters.get(video);
      if (!counter) {
        counter = { n: 0 };
        counters.set(video, counter);
        const tick = () => { counter.n++; video.requestVideoFrameCallback(tick); };
        video.requestVideoFrameCallback(tick);
      }
      return counter.n;
    },
    async audioPackets(userId) {
      const track = remote(userId)?.audioStream?.getAudioTracks()[0];
      if (!track) return -1;
      const pc = window.__rtc.pcs.find((x) => x.connectionState !== 'closed' && x.getReceivers().some((r) => r.track === track));
      if (!pc) return -1;
      let packets = 0;
      (await pc.getStats(track)).forEach((s) => { if (s.type === 'inbound-rtp') packets += s.packetsReceived || 0; });
      return packets;
    },
    async report(userId) {
      const p = remote(userId);
      const video = tileVideo(userId);
      const tracks = (s) => s ? s.getTracks().map((t) => t.kind + ':' + t.readyState + (t.muted ? ':muted' : '')) : null;
      const pcs = [];
      for (const pc of window.__rtc.pcs.filter((x) => x.connectionState !== 'closed')) {
        const inbound = [];
        (await pc.getStats()).forEach((s) => { if (s.type === 'inbound-rtp') inbound.push([s.kind, s.mid, s.packetsReceived, s.framesDecoded]); });
        pcs.push({ state: pc.connectionState, signaling: pc.signalingState, transceivers: pc.getTransceivers().map((t) => [t.mid, t.currentDirection, t.receiver.track.muted]), inbound });
      }
      return {
        participant: p && { published: p.publishedTracks, state: p.mediaConnectionState, tracks: p.trackStates, video: tracks(p.videoStream), audio: tracks(p.audioStream) },
        element: video && { readyState: video.readyState, paused: video.paused, width: video.videoWidth, same: video.srcObject === (p && p.videoStream) },
        pcs,
      };
    },
  };
})();`;

declare global {
  interface Window {
    /** What {@link RENDER_PROBE} defines. */
    __media: { frames(userId: string): number; audioPackets(userId: string): Promise<number>; report(userId: string): Promise<unknown> };
  }
}

/**
 * A demo page of its own (fake camera and microphone, {@link MEDIA_PROBE} and
 * {@link RENDER_PROBE}), signed in as `user` through the page's token route: any user, not
 * only the three of the page's list.
 */
export async function openMediaPage(session: BrowserSession, url: string, user: string, errors: string[] = []): Promise<Page> {
  const browser = await launch(session, true);
  const context = await browser.newContext({ viewport: { width: 900, height: 700 }, permissions: ['camera', 'microphone'] });
  session.contexts.push(context);
  await context.addInitScript(MEDIA_PROBE);
  await context.addInitScript(RENDER_PROBE);
  const page = await context.newPage();
  page.on('pageerror', (err) => errors.push(`${user}: ${err.message}`));
  await page.goto(url);
  await page.evaluate(async (id) => {
    const answer = await fetch('/demo/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId: id }) });
    const { token } = (await answer.json()) as { token: string };
    await window.demo.client.connectUser({ id, name: id }, token);
  }, user);
  return page;
}

/** Frames rendered so far of `userId`'s camera on `page` (-1: no tile yet). */
export function framesOf(page: Page, userId: string): Promise<number> {
  return page.evaluate((id) => window.__media.frames(id), userId);
}

/** What `page` receives of `userId`, for a failure message. */
export async function mediaReport(page: Page, userId: string): Promise<string> {
  return JSON.stringify(await page.evaluate((id) => window.__media.report(id), userId));
}

/** Resolves once `read()` satisfies `ok`, polling every 200 ms; fails with `what` and the last value after `ms`. */
export async function poll<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: () => Promise<string> | string, ms: number): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out: ${await what()} (last: ${JSON.stringify(last)})`);
    await new Promise((r) => setTimeout(r, 200));
    last = await read();
  }
  return last;
}
