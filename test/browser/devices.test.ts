/**
 * The device layer in Chromium (fake devices: three cameras, three microphones, three speakers),
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

// Three fake cameras: Chromium's second one (fake_device_1) gives Y16 depth frames, which no
// encoder takes; the switch goes from fake_device_0 to fake_device_2 (MJPEG).
const ARGS = mediaArgs({ autoplayWithoutGesture: false, cameras: 3 });
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
    return await handle.jsonValue();
  } catch {
    throw new Error(`timed out: ${what}`);
  }
}

test('camera, microphone and screen-share toggles publish and stop; the other page receives them, the tab audio too', async (ctx) => {
  const { alice, bob, sessions } = await twoInACall(ctx);
  await alice.evaluate(async () => {
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

  // A screen share with the tab's audio: both tracks arrive, the audio plays in a bound element.
  await alice.evaluate(() => window.call!.screenShare.enable({ audio: true }));
  assert.is(await alice.evaluate(() => window.call!.screenShare.status$.get()), 'enabled');
  await until(bob, "alice's screen and its audio arrive", () => {
    const p = window.client!.readOnlyStateStore.remoteParticipants$.get().toArray()[0];
    return p?.publishedTracks.includes(3) && p.publishedTracks.includes(4) && p.screenShareStream !== undefined && p.screenShareAudioStream !== undefined;
  });
  const screenAudio = await bob.evaluate((id) => {
    const audio = document.createElement('audio');
    window.call!.bindAudioElement(audio, id, window.sdk.TrackType.SCREEN_SHARE_AUDIO);
    return (audio.srcObject as MediaStream | null)?.getAudioTracks().length;
  }, sessions.alice);
  assert.is(screenAudio, 1);
  await alice.evaluate(() => window.call!.screenShare.disable());
  await until(bob, 'the screen share and its audio stop', () => {
    const p = window.client!.readOnlyStateStore.remoteParticipants$.get().toArray()[0];
    return p && !p.publishedTracks.includes(3) && !p.publishedTracks.includes(4) && p.screenShareAudioStream === undefined;
  });
});

/** Offers made on both pages so far. */
async function offers(...pages: Page[]): Promise<number> {
  let n = 0;
  for (const page of pages) n += await page.evaluate(() => window.negotiation.offers);
  return n;
}

/** Audio packets and video frames `page` received so far, all connections together. */
function received(page: Page): Promise<{ packets: number; frames: number }> {
  return page.evaluate(async () => {
    let packets = 0;
    let frames = 0;
    for (const pc of window.negotiation.connections) {
      for (const e of (await pc.getStats()).values() as IterableIterator<{ type: string; kind?: string; packetsReceived?: number; framesDecoded?: number }>) {
        if (e.type !== 'inbound-rtp') continue;
        if (e.kind === 'audio') packets += e.packetsReceived ?? 0;
        else frames += e.framesDecoded ?? 0;
      }
    }
    return { packets, frames };
  });
}

/** Resolves once `page` has received more audio packets and video frames than `before`. */
async function receivesMore(page: Page, before: { packets: number; frames: number }, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    const now = await received(page);
    if (now.packets > before.packets && now.frames > before.frames) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what}`);
}

test('selecting another microphone and camera while publishing swaps the tracks without renegotiating', async (ctx) => {
  const { alice, bob } = await twoInACall(ctx);
  await alice.evaluate(async () => {
    await window.call!.camera.enable();
    await window.call!.microphone.enable();
  });
  await receivesMore(bob, { packets: 0, frames: 0 }, "bob receives alice's audio and video");
  const before = await offers(alice, bob);
  const swapped = await alice.evaluate(async () => {
    const call = window.call!;
    const local = window.client!.readOnlyStateStore.localParticipant$;
    const oldMic = local.get()!.audioStream!.getAudioTracks()[0];
    const oldCam = local.get()!.videoStream!.getVideoTracks()[0];
    const mics = await window.listed(call.microphone.listDevices(), 3);
    const cams = await window.listed(call.camera.listDevices(), 3);
    const mic = mics.find((d) => d.deviceId !== call.microphone.state.selectedDevice$.get() && d.deviceId !== 'default')!;
    const cam = cams.find((d) => d.label === 'fake_device_2')!;
    await call.microphone.select(mic.deviceId);
    await call.camera.select(cam.deviceId);
    return {
      devices: [mics.length, cams.length],
      selected: [call.microphone.state.selectedDevice$.get() === mic.deviceId, call.camera.state.selectedDevice$.get() === cam.deviceId],
      status: [call.microphone.state.status$.get(), call.camera.state.status$.get()],
      oldEnded: [oldMic.readyState, oldCam.readyState],
      newTracks: [local.get()!.audioStream!.getAudioTracks()[0] !== oldMic, local.get()!.videoStream!.getVideoTracks()[0] !== oldCam],
      labels: [mic.label, cam.label],
    };
  });
  assert.equal(swapped.devices, [3, 3], 'three fake microphones, three fake cameras');
  assert.equal(swapped.selected, [true, true]);
  assert.equal(swapped.status, ['enabled', 'enabled']);
  assert.equal(swapped.oldEnded, ['ended', 'ended'], 'the replaced tracks are stopped');
  assert.equal(swapped.newTracks, [true, true]);
  await receivesMore(bob, await received(bob), 'bob still receives alice after the switch');
  assert.is(await offers(alice, bob), before, 'no offer: the tracks were replaced, not renegotiated');
});

test('an unplugged device falls back to the default one, the preferred one is taken back; the app is told', async (ctx) => {
  const { alice, bob, sessions } = await twoInACall(ctx);
  await alice.evaluate(() => window.call!.microphone.enable());
  const chosen = await alice.evaluate(async () => {
    const mic = window.call!.microphone;
    const id = (await window.listed(mic.listDevices(), 3)).find((d) => d.deviceId !== 'default')!.deviceId;
    await mic.select(id);
    return id;
  });
  await receivesMore(bob, { packets: 0, frames: -1 }, "bob receives alice's microphone");
  const before = await offers(alice, bob);

  await alice.evaluate((id) => window.devices!.unplug(id), chosen);
  const unplugged = await until(alice, 'the unplug event', () => window.deviceEvents!.length === 1 && window.deviceEvents![0]);
  assert.equal(unplugged, { type: 'device.changed', kind: 'audioinput', reason: 'unplugged', deviceId: 'default', previousDeviceId: chosen });
  assert.equal(await alice.evaluate(() => [window.call!.microphone.state.status$.get(), window.call!.microphone.state.selectedDevice$.get()]), [
    'enabled',
    'default',
  ]);
  await receivesMore(bob, await received(bob).then((r) => ({ ...r, frames: -1 })), 'bob still hears alice');

  await alice.evaluate((id) => window.devices!.replug(id), chosen);
  const replugged = await until(alice, 'the replug event', () => window.deviceEvents!.length === 2 && window.deviceEvents![1]);
  assert.equal(replugged, { type: 'device.changed', kind: 'audioinput', reason: 'replugged', deviceId: chosen, previousDeviceId: 'default' });
  assert.is(await alice.evaluate(() => window.call!.microphone.state.selectedDevice$.get()), chosen);
  assert.is(await offers(alice, bob), before, 'the fallback and the return replaced the track, no renegotiation');

  // The speaker: bob plays alice through an output of his choice; unplugged, the default output plays.
  const speaker = await bob.evaluate(async (aliceSession) => {
    const audio = document.createElement('audio');
    document.body.append(audio);
    window.call!.bindAudioElement(audio, aliceSession);
    const output = (await window.listed(window.call!.speaker.listDevices(), 3)).find((d) => d.deviceId !== 'default')!.deviceId;
    await window.call!.speaker.select(output);
    Object.assign(window, { audio });
    return { output, sinkId: audio.sinkId, supported: window.call!.speaker.isDeviceSelectionSupported };
  }, sessions.alice);
  assert.equal([speaker.sinkId, speaker.supported], [speaker.output, true]);
  await bob.evaluate((id) => window.devices!.unplug(id), speaker.output);
  const lost = await until(bob, 'the speaker unplug event', () => window.deviceEvents!.length === 1 && window.deviceEvents![0]);
  assert.equal(lost, { type: 'device.changed', kind: 'audiooutput', reason: 'unplugged', deviceId: undefined, previousDeviceId: speaker.output });
  assert.is(await bob.evaluate(() => document.querySelector('audio')!.sinkId), '');
  await bob.evaluate((id) => window.devices!.replug(id), speaker.output);
  await until(bob, 'the speaker replug event', () => window.deviceEvents!.length === 2);
  assert.is(await bob.evaluate(() => document.querySelector('audio')!.sinkId), speaker.output);

  // One devicechange listener per page while in the call, none after.
  assert.equal(await Promise.all([alice, bob].map((p) => p.evaluate(() => window.devices!.listenerCount))), [1, 1]);
  for (const page of [alice, bob]) await page.evaluate(() => window.call!.leave());
  assert.equal(await Promise.all([alice, bob].map((p) => p.evaluate(() => window.devices!.listenerCount))), [0, 0]);
});

test('a device selected in one call is opened again in the next (devicePreferences in localStorage)', async (ctx) => {
  const server = ctx.server!;
  const { page } = await openSdkPage(ctx, server, { args: ARGS });
  const join = async (callId: string) =>
    page.evaluate((o) => window.join(o), {
      baseUrl: server.coordinator.baseUrl,
      userId: 'alice',
      token: await server.coordinator.createToken('alice'),
      callId,
      remember: true,
    });
  await join('remember-1');
  const chosen = await page.evaluate(async () => {
    const mic = window.call!.microphone;
    await mic.enable();
    const id = (await window.listed(mic.listDevices(), 3)).find((d) => d.deviceId !== mic.state.selectedDevice$.get() && d.deviceId !== 'default')!.deviceId;
    await mic.select(id);
    await window.client!.disconnectUser();
    return id;
  });
  await join('remember-2');
  const reopened = await page.evaluate(async () => {
    await window.call!.microphone.enable();
    return [window.call!.microphone.state.selectedDevice$.get(), JSON.parse(localStorage.getItem('test-devices') ?? '{}')] as const;
  });
  assert.equal(reopened, [chosen, { audioinput: chosen }]);
});

test('device errors are typed, and a failed enable leaves the device off', async (ctx) => {
  const { alice } = await twoInACall(ctx);
  const outcomes = await alice.evaluate(async () => {
    const call = window.call!;
    const out: [string, string | undefined, string | undefined, string][] = [];
    const steps: (() => Promise<void>)[] = [
      ...['NotAllowedError', 'NotFoundError', 'NotReadableError'].map((name) => () => {
        window.devices!.fail('videoinput', name);
        return call.camera.enable();
      }),
      () => {
        window.devices!.fail('videoinput', undefined);
        return call.camera.select('no-such-camera');
      },
      () => call.camera.enable(),
      () => call.camera.select('no-such-camera'),
    ];
    for (const step of steps) {
      try {
        await step();
        out.push(['resolved', undefined, undefined, call.camera.state.status$.get()]);
      } catch (err) {
        const e = err as InstanceType<typeof window.sdk.StreamVideoError>;
        out.push([e.code, e.meta.reason, e.meta.kind, call.camera.state.status$.get()]);
      }
    }
    return out;
  });
  assert.equal(outcomes, [
    ['permission_denied', 'device_permission', 'videoinput', 'disabled'],
    ['not_found', 'device_not_found', 'videoinput', 'disabled'],
    ['failed_precondition', 'device_in_use', 'videoinput', 'disabled'],
    ['resolved', undefined, undefined, 'disabled'], // selected while disabled: used at the next enable
    ['not_found', 'device_not_found', 'videoinput', 'disabled'], // that camera does not exist
    ['resolved', undefined, undefined, 'disabled'],
  ]);
  // After the failures, the default camera opens, and a missing one fails without stopping it.
  const last = await alice.evaluate(async () => {
    const call = window.call!;
    await call.camera.select(undefined);
    await call.camera.enable();
    const code = await call.camera.select('no-such-camera').then(
      () => 'resolved',
      (e: { code: string }) => e.code,
    );
    return [code, call.camera.state.status$.get()];
  });
  assert.equal(last, ['not_found', 'enabled']);
});

test('connection quality: excellent on loopback for what flows, unknown for a participant who sends nothing', async (ctx) => {
  const { alice, bob, sessions } = await twoInACall(ctx);
  await alice.evaluate(async () => {
    await window.call!.camera.enable();
    await window.call!.microphone.enable();
  });
  const quality = (page: Page, sessionId: string) =>
    page.evaluate((id) => window.client!.readOnlyStateStore.participants$.get().get(id)?.connectionQuality, sessionId);
  assert.is(await quality(alice, sessions.bob), 'unknown');
  await until(bob, 'bob rates alice', () => window.client!.readOnlyStateStore.remoteParticipants$.get().toArray()[0]?.connectionQuality === 'excellent');
  await until(alice, 'alice rates her own sending', () => window.client!.readOnlyStateStore.localParticipant$.get()?.connectionQuality === 'excellent');
  await until(bob, 'bob rates his own receiving', () => window.client!.readOnlyStateStore.localParticipant$.get()?.connectionQuality === 'excellent');
  assert.is(await quality(alice, sessions.bob), 'unknown', 'bob publishes nothing: nothing to rate');
});

test('autoplay: a page that never had a gesture cannot play; resumeAudio from a click plays', async (ctx) => {
  const { alice, sessions } = await twoInACall(ctx);
  await alice.evaluate(() => window.call!.microphone.enable());
  const server = ctx.server!;
  // carol only listens: no capture (a capturing page may autoplay), and no gesture at all.
  const { page: carol } = await openSdkPage(ctx, server, { media: false, args: ARGS, withoutGesture: true });
  const token = await server.coordinator.createToken('carol');
  const callId = await alice.evaluate(() => window.call!.cid.split(':')[1]);
  await evaluateWithoutGesture(carol, `join(${JSON.stringify({ baseUrl: server.coordinator.baseUrl, userId: 'carol', token, callId })})`);
  assert.is(await evaluateWithoutGesture(carol, 'navigator.userActivation.hasBeenActive'), false);
  await evaluateWithoutGesture(
    carol,
    `(() => {
      const audio = document.createElement('audio');
      const button = document.createElement('button');
      button.id = 'resume';
      button.textContent = 'Play audio';
      button.onclick = () => window.call.resumeAudio().then(() => (button.dataset.resumed = 'true'), (e) => (button.dataset.resumed = e.code));
      document.body.append(audio, button);
      window.call.bindAudioElement(audio, ${JSON.stringify(sessions.alice)});
    })()`,
  );
  const blocked = `new Promise((resolve, reject) => {
    const deadline = Date.now() + 20000;
    const check = () => window.client.readOnlyStateStore.autoplayBlocked$.get() ? resolve(true) : Date.now() > deadline ? reject(new Error('never blocked')) : setTimeout(check, 50);
    check();
  })`;
  assert.is(await evaluateWithoutGesture(carol, blocked), true);
  // Blocked, it plays muted (the levels keep coming).
  assert.is(await evaluateWithoutGesture(carol, `document.querySelector('audio').muted`), true);
  // Without a gesture, resuming fails, typed.
  assert.equal(await evaluateWithoutGesture(carol, `window.call.resumeAudio().then(() => 'resolved', (e) => [e.code, e.meta.reason])`), [
    'failed_precondition',
    'autoplay_blocked',
  ]);
  await carol.click('#resume');
  await carol.locator('#resume[data-resumed="true"]').waitFor();
  assert.equal(
    await carol.evaluate(() => [
      window.client!.readOnlyStateStore.autoplayBlocked$.get(),
      document.querySelector('audio')!.paused,
      document.querySelector('audio')!.muted,
    ]),
    [false, false, false],
  );
});

test.run();
