/**
 * Helpers for the Chromium tests of the demo page (Debian's Chromium headless shell through playwright-core):
 * one browser per test file, a context of its own per user, waits that fail with what the
 * page shows instead, and screenshots in test-results/screenshots/.
 *
 * ```ts
 * const session: BrowserSession = { contexts: [] };
 * const { page } = await openAs(session, demo.url, 'alice', { media: true });
 * await seeText(page, 'connection-state', /^connected$/, 'alice');
 * await closeBrowser(session);
 * ```
 */
import { existsSync, mkdirSync } from 'node:fs';
import { suite } from 'uvu';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { isLocalMediaAddress, testNetns } from './netns';

declare global {
  interface Window {
    /** The demo page's client (examples/demo-page/app.ts sets it). */
    demo: { client: import('../../src/index').StreamVideoClient };
    /** What {@link MEDIA_PROBE} counts, and how it reads a connection's selected candidate pair. */
    __rtc: { pcs: RTCPeerConnection[]; tracks: MediaStreamTrack[]; pairOf(pc: RTCPeerConnection): Promise<CandidatePair | null> };
  }
}

/**
 * Debian's Chromium headless shell (package `chromium-headless-shell`, the same Chromium build
 * without the browser's windows and UI; Playwright's own default for headless runs). The full
 * browser, even headless, opens a window per page and loads the omnibox's WebUI popups into each:
 * a demo page cost 1.8 CPU-seconds to open and connect there, 0.3 here, with the same Blink and
 * WebRTC.
 */
export const CHROMIUM = '/usr/bin/chromium-headless-shell';
const BASE_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
/**
 * Frames a second of the fake cameras (Chromium's default is 20). The tests count frames, bytes
 * and layers, never smoothness; half the frames to encode, decode and composite took 2 to 3
 * CPU-seconds off each test file that publishes the 1280x720 camera here (demo-media 26.5 -> 23.4).
 */
export const FAKE_CAMERA_FPS = 10;
/**
 * Audio constraints for a test's own `getUserMedia`: the fake microphone without Chromium's echo
 * cancellation, noise suppression and gain control. That processing is Chromium's own (the SDK
 * neither asks for it nor reads it), and it runs every 10 ms for each open microphone: in
 * media-rounds, whose six pages publish their microphones for about 40 s, it was 4.7 of 62
 * CPU-seconds.
 */
export const UNPROCESSED_AUDIO = { echoCancellation: false, noiseSuppression: false, autoGainControl: false } as const satisfies MediaTrackConstraints;
/** Fake camera and microphone, granted without a prompt; media plays without a gesture. */
const MEDIA_ARGS = mediaArgs();

/** Options of {@link mediaArgs}. */
export interface MediaArgsOptions {
  /** Let media play without a user gesture (default true); false keeps Chromium's autoplay policy. */
  autoplayWithoutGesture?: boolean;
  /** Fake cameras (default 1; Chromium always fakes three microphones and three speakers). */
  cameras?: number;
  /** A WAV file the fake microphones play, in a loop. */
  audioFile?: string;
}

/** Chromium's switches for fake media devices (cameras at {@link FAKE_CAMERA_FPS}), granted without a prompt. */
export function mediaArgs(o: MediaArgsOptions = {}): string[] {
  return [
    '--use-fake-ui-for-media-stream',
    `--use-fake-device-for-media-stream=${[...(o.cameras && o.cameras > 1 ? [`device-count=${o.cameras}`] : []), `fps=${FAKE_CAMERA_FPS}`].join(',')}`,
    ...(o.autoplayWithoutGesture === false ? [] : ['--autoplay-policy=no-user-gesture-required']),
    ...(o.audioFile ? [`--use-file-for-fake-audio-capture=${o.audioFile}`] : []),
  ];
}
export const ROOT = join(import.meta.dirname, '..', '..');
export const SCREENSHOTS = join(ROOT, 'test-results', 'screenshots');
/** Bound of every wait for the page, in ms. */
export const WAIT_MS = 5000;

/** The browser of one test file and the contexts its tests opened. */
export interface BrowserSession {
  browser?: Promise<Browser>;
  contexts: BrowserContext[];
}

/** Launches chromium once per session (with the fake media devices when `media`: {@link mediaArgs}, or the switches given). */
export async function launch(session: BrowserSession, media: boolean | readonly string[] = false): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: the browser tests need Debian's Chromium headless shell (apt-get install chromium-headless-shell; scripts/test.sh installs it)`,
    );
  }
  const extra = media === true ? MEDIA_ARGS : media === false ? [] : media;
  session.browser ??= chromium.launch({ executablePath: CHROMIUM, args: [...BASE_ARGS, ...extra], timeout: 15_000 });
  return session.browser;
}

/** Closes the contexts the session's tests opened (an `after.each` hook). */
export async function closeContexts(session: BrowserSession): Promise<void> {
  await Promise.all(session.contexts.splice(0).map((c) => c.close()));
}

/** Closes the browser (an `after` hook). */
export async function closeBrowser(session: BrowserSession): Promise<void> {
  await closeContexts(session);
  await (await session.browser?.catch(() => undefined))?.close();
}

/** Options of {@link openAs}. */
export interface OpenOptions {
  /** Grant camera and microphone and count peer connections and tracks (see {@link MEDIA_PROBE}). */
  media?: boolean;
}

/** The addresses of a peer connection's selected ICE candidate pair (getStats). */
export interface CandidatePair {
  local: string;
  remote: string;
}

/**
 * Counts, in the page, every `RTCPeerConnection` made and every track it saw (from
 * `getUserMedia`, `getDisplayMedia` and each connection's `track` events): `window.__rtc`.
 * Runs before the page's own scripts, so the SDK picks up the counting constructor.
 * `__rtc.pairOf(pc)` reads the connection's selected candidate pair (the transport's
 * `selectedCandidatePairId`, else the nominated pair that succeeded), or null before there is
 * one; a side whose address the stats do not show yet (a peer-reflexive remote candidate) is
 * read again until they do, for up to 5 s.
 */
export const MEDIA_PROBE = `(() => {
  const readPair = async (pc) => {
    const stats = new Map();
    (await pc.getStats()).forEach((s) => stats.set(s.id, s));
    const all = [...stats.values()];
    const selected = all.filter((s) => s.type === 'transport' && s.selectedCandidatePairId).map((s) => stats.get(s.selectedCandidatePairId));
    const pair = selected[0] ?? all.find((s) => s.type === 'candidate-pair' && s.nominated && s.state === 'succeeded');
    if (!pair) return null;
    const address = (id) => String(stats.get(id)?.address ?? stats.get(id)?.ip ?? '');
    return { local: address(pair.localCandidateId), remote: address(pair.remoteCandidateId) };
  };
  // A remote candidate learned from a connectivity check before its trickled candidate came
  // (peer-reflexive) has no address in the stats until the trickled one names it: read again
  // until both sides have one, within a safety bound.
  const pairOf = async (pc) => {
    const deadline = Date.now() + 5000;
    let pair = await readPair(pc);
    while (pair && (!pair.local || !pair.remote) && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 50));
      pair = await readPair(pc);
    }
    return pair;
  };
  const rtc = { pcs: [], tracks: [], pairOf };
  window.__rtc = rtc;
  const Native = window.RTCPeerConnection;
  window.RTCPeerConnection = class extends Native {
    constructor(...args) {
      super(...args);
      rtc.pcs.push(this);
      this.addEventListener('track', (e) => rtc.tracks.push(e.track));
    }
  };
  for (const name of ['getUserMedia', 'getDisplayMedia']) {
    const original = navigator.mediaDevices[name].bind(navigator.mediaDevices);
    navigator.mediaDevices[name] = async (constraints) => {
      const stream = await original(constraints);
      rtc.tracks.push(...stream.getTracks());
      return stream;
    };
  }
})();`;

/** What {@link MEDIA_PROBE} counts now in a page. */
export function mediaCounts(page: Page): Promise<{ pcs: number; openPcs: number; tracks: number; liveTracks: number }> {
  return page.evaluate(() => {
    const rtc = window.__rtc;
    return {
      pcs: rtc.pcs.length,
      openPcs: rtc.pcs.filter((pc) => pc.connectionState !== 'closed').length,
      tracks: new Set(rtc.tracks).size,
      liveTracks: [...new Set(rtc.tracks)].filter((t) => t.readyState === 'live').length,
    };
  });
}

/**
 * Asserts that media stays on the machine (issue 28): every pair is on loopback or on the test
 * run's namespace address (on the host, without a namespace: loopback or this machine's own
 * addresses; see test/helpers/netns.ts). Fails on an empty list: a check of nothing proves nothing.
 */
export function assertLocalPairs(pairs: readonly (CandidatePair | null)[], who: string): void {
  assert.ok(pairs.length > 0, `${who}: no connected peer connection to check`);
  const where = testNetns ? `loopback or the namespace's ${testNetns.address}` : "loopback or this machine's own addresses";
  for (const pair of pairs) {
    assert.ok(pair, `${who}: a connected peer connection has no selected candidate pair`);
    for (const side of ['local', 'remote'] as const) {
      assert.ok(isLocalMediaAddress(pair[side]), `${who}: the selected pair's ${side} address ${pair[side] || '(none)'} is not on ${where}`);
    }
  }
}

/** The selected candidate pairs of the page's connected peer connections. */
export function connectedPairs(page: Page): Promise<(CandidatePair | null)[]> {
  return page.evaluate(() => Promise.all(window.__rtc.pcs.filter((pc) => pc.connectionState === 'connected').map((pc) => window.__rtc.pairOf(pc))));
}

/** {@link assertLocalPairs} on every connected peer connection of each page (call it while media flows). */
export async function assertLocalMedia(pages: Record<string, Page>): Promise<void> {
  for (const [who, page] of Object.entries(pages)) assertLocalPairs(await connectedPairs(page), who);
}

/** A fresh page of its own at `url`, connected as `user`; collects the page's errors. */
export async function openAs(session: BrowserSession, url: string, user: string, options: OpenOptions = {}): Promise<{ page: Page; errors: string[] }> {
  const browser = await launch(session, options.media);
  const context = await browser.newContext({ viewport: { width: 1100, height: 760 }, ...(options.media ? { permissions: ['camera', 'microphone'] } : {}) });
  session.contexts.push(context);
  if (options.media) await context.addInitScript(MEDIA_PROBE);
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(`${user}: ${err.message}`));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`${user}: console: ${msg.text()}`);
  });
  await page.goto(url);
  await page.getByTestId('user-select').selectOption(user);
  await page.getByTestId('connect').click();
  await seeText(page, 'connection-state', /^connected$/, user);
  await seeText(page, 'current-user', `Signed in as ${user.charAt(0).toUpperCase()}${user.slice(1)} (${user})`, user);
  return { page, errors };
}

/** Waits until an element with `testId` shows `text`; fails with what it shows instead. */
export async function seeText(page: Page, testId: string, text: string | RegExp, who: string, within = page.locator('body')): Promise<void> {
  const all = within.getByTestId(testId);
  try {
    await all.filter({ hasText: text }).first().waitFor({ state: 'visible', timeout: WAIT_MS });
  } catch {
    throw new Error(`${who}'s page: [data-testid=${testId}] never showed ${String(text)}; it shows ${JSON.stringify(await all.allTextContents())}`);
  }
}

/** Waits until `selector` matches exactly `n` elements. */
export async function count(page: Page, selector: string, n: number, who: string): Promise<void> {
  try {
    await page.waitForFunction(([s, expected]) => document.querySelectorAll(s).length === expected, [selector, n] as const, { timeout: WAIT_MS });
  } catch {
    const actual = await page.locator(selector).count();
    throw new Error(`${who}'s page: expected ${n} × ${selector}, found ${actual}`);
  }
}

/** A key moment: no page shows an error; screenshots of every page, named `<prefix>-<moment>-<who>.png`. */
export async function checkpoint(pages: Record<string, Page>, moment: string, prefix = 'demo'): Promise<void> {
  for (const [who, page] of Object.entries(pages)) {
    const error = page.getByTestId('error');
    assert.ok(await error.isHidden(), `${who}'s page shows an error at "${moment}": ${await error.textContent()}`);
  }
  mkdirSync(SCREENSHOTS, { recursive: true });
  await Promise.all(Object.entries(pages).map(([who, page]) => page.screenshot({ path: join(SCREENSHOTS, `${prefix}-${moment}-${who}.png`), fullPage: true })));
}

/** The context of a {@link browserSuite}: its browser session and the server it started. */
export interface ServerSession<S> extends BrowserSession {
  server?: S;
}

/**
 * A uvu suite of browser tests against the server `start` starts, once, in the first test's
 * `before.each` (uvu swallows an error thrown by `before`). Each test's pages close after it;
 * the browser and the server after the suite.
 */
export function browserSuite<S extends { close(): Promise<void> }>(name: string, start: () => Promise<S>) {
  const test = suite<ServerSession<S>>(name, { contexts: [] });
  test.before.each(async (ctx) => {
    ctx.server ??= await start();
  });
  test.after.each(closeContexts);
  test.after(async (ctx) => {
    await closeBrowser(ctx);
    await ctx.server?.close();
  });
  return test;
}

/** Safety bound of a media wait (ICE and the first decoded frames on a busy machine), in ms. */
export const MEDIA_WAIT_MS = 20_000;

/** Waits until the tile of `userId` on `page` (`who`'s) plays video (videoWidth > 0); returns the width. */
export async function seesVideoOf(page: Page, userId: string, who: string): Promise<number> {
  try {
    const handle = await page.waitForFunction(
      (id) => {
        const video = document.querySelector<HTMLVideoElement>(`[data-testid="tile"][data-user-id="${id}"] [data-testid="tile-video"]`);
        return video && !video.hidden && video.videoWidth > 0 ? video.videoWidth : false;
      },
      userId,
      { timeout: MEDIA_WAIT_MS },
    );
    return (await handle.jsonValue()) as number;
  } catch {
    throw new Error(`${who}'s page never played ${userId}'s video`);
  }
}
