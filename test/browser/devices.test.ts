/**
 * The device layer in Chromium (fake devices: two cameras, three microphones, three speakers),
 * one browser for the file, launched without the autoplay exemption. alice and bob join one
 * call in pages of their own, through the SDK's documented seams: `opts.mediaDevices` (devices
 * that can be unplugged and plugged back in, test/helpers/sdk-page-entry.ts) and
 * `opts.RTCPeerConnection` (connections that count offers).
 *
 * Every wait is a condition with a safety timeout, never a wall-clock bound on speed.
 */
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { TrackType } from '../../src/index';
import { browserSuite, mediaArgs, type ServerSession } from '../helpers/browser';
import { evaluateWithoutGesture, openSdkPage, startSdkPageServer, type SdkPageServer } from '../helpers/sdk-page';

const ARGS = mediaArgs({ autoplayWithoutGesture: false, cameras: 2 });
const test = browserSuite('devices in a browser', startSdkPageServer);

let calls = 0;
/** alice and bob in a new call, both pages joined. */
async function twoInACall(ctx: ServerSession<SdkPageServer>) {
  const server = ctx.server!;
  const callId = `devices-${++calls}-${Date.now().toString(36)}`;
  const pages: Record<'alice' | 'bob', Page> = {} as Record<'alice' | 'bob', Page>;
  const errors: string[] = [];
  const sessions: Record<string, string> = {};
  for (const userId of ['alice', 'bob'] as const) {
    const { page, errors: e } = await openSdkPage(ctx, server, { args: ARGS });
    errors.push(...e);
    const token = await server.coordinator.createToken(userId);
    sessions[userId] = await page.evaluate((o) => window.join(o), { baseUrl: server.coordinator.baseUrl, userId, token, callId });
    pages[userId] = page;
  }
  return { ...pages, errors, sessions };
}

/** Polls `read` in the page until it returns a truthy value; fails with the last value. */
async function until<T>(page: Page, what: string, read: () => T | Promise<T>): Promise<T> {
  try {
    const handle = await page.waitForFunction(read, undefined, { timeout: 20_000, polling: 100 });
    return (await handle.jsonValue()) as T;
  } catch {
    throw new Error(`timed out: ${what}`);
  }
}

test('camera and microphone toggles publish and mute; the other page receives them', async (ctx) => {
  const { alice, bob, sessions } = await twoInACall(ctx);
  await alice.evaluate(async () => {
    await window.call!.camera.selectTargetResolution({ width: 320, height: 240 });
    await window.call!.camera.enable();
    await window.call!.microphone.enable();
  });
  assert.equal(await alice.evaluate(() => [window.call!.camera.state.status$.get(), window.call!.microphone.state.status$.get()]), ['enabled', 'enabled']);
  await until(bob, 'bob decodes alice', async () => {
    const report = await window.call!.getStats();
    return report.subscriberStats.framesProcessed > 0;
  });
  const seen = await bob.evaluate((id) => window.client!.readOnlyStateStore.participants$.get().get(id)?.publishedTracks, sessions.alice);
  assert.equal(seen, [TrackType.AUDIO, TrackType.VIDEO]);
  await alice.evaluate(() => window.call!.camera.toggle());
  assert.is(await alice.evaluate(() => window.call!.camera.state.status$.get()), 'disabled');
  await until(bob, 'alice muted her camera', () => {
    const p = window.client!.readOnlyStateStore.remoteParticipants$.get().toArray()[0];
    return p && !p.publishedTracks.includes(2) && p.videoStream === undefined;
  });
  await alice.evaluate(() => window.call!.camera.toggle());
  await until(bob, 'alice unmuted her camera', () => window.client!.readOnlyStateStore.remoteParticipants$.get().toArray()[0]?.videoStream !== undefined);
});

test.run();

void evaluateWithoutGesture;
