/**
 * Recording an SFU call into a file, end to end: three SDK clients on Node WebRTC publish a
 * solid colour and a tone each through the local coordinator's Janus; the recording starts
 * after the first published (the others are recorded from when they publish), lasts about
 * 20 s, and the members receive `call.recording_ready`. The file downloaded at its signed URL
 * holds a VP8 video of the recording's length with the three colours in a grid, and Opus
 * audio; the URL refuses a changed or expired signature and a deleted recording; only members
 * list; a second recording cut short by the end of the call is still delivered. A member's
 * demo page (Chromium) lists each recording with its link once `call.recording_ready` arrives.
 *
 * The only long test of the suite (about 20 s of recording, then ffmpeg): its media runs in
 * the test run's network namespace (Janus gathers no loopback candidate); run alone, it
 * re-runs itself inside one.
 */
import type { Page } from 'playwright-core';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EndCallRequest } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { Call, StreamEventMap, StreamVideoClient } from '../../src/index-node';
import { gridCells } from '../../src/testing/recording/composite-args';
import { UrlSigner } from '../../src/testing/recording/signed-url';
import type { LocalCoordinator } from '../../src/testing';
import { startDemoServer, type DemoServer } from '../../examples/demo-page/demo-server';
import { checkpoint, closeBrowser, count, openAs, seeText, type BrowserSession } from '../helpers/browser';
import { frameAt, maxVolumeDb, probe, streamSeconds } from '../helpers/media-probe';
import { colorCamera, colorOf, toneMicrophone, type PatternColor, type SyntheticSource } from '../helpers/patterns';
import { rpcClient } from '../helpers/rpc';
import { expectError, nextEvent } from '../helpers/sdk';
import { nodePeer, rerunInNamespace, sfuInterface } from '../helpers/sfu';

const iceInterface = sfuInterface();
if (!iceInterface && process.argv[1] === import.meta.filename) process.exit(await rerunInNamespace(import.meta.filename));
if (!iceInterface)
  throw new Error("SFU media runs inside the test run's network namespace (TEST_NETNS_INTERFACE): run it with npm test, or alone with npx tsx");
// @roamhq/wrtc crashes a process that exits by itself after its tracks stopped: this one exits explicitly.
process.once('beforeExit', (code) => process.exit(code));

/** How long the main recording lasts. */
const RECORD_MS = 20_000;
/** The composite's frame, small to keep ffmpeg's share of the test short. */
const WIDTH = 640;
const HEIGHT = 360;
const FRAME_RATE = 10;
/** How long a recording event may take to come (a safety bound for ffmpeg on a busy machine, not a measure). */
const EVENT_WAIT_MS = 120_000;
const CALL_ID = 'recorded-standup';
const TYPE = 'default';

const test = suite('recording an SFU call');

let demo: DemoServer;
let coordinator: LocalCoordinator;
let folder: string;
const browser: BrowserSession = { contexts: [] };
/** Carol's demo page. */
let page: Page;
const clients: Record<'alice' | 'bob' | 'carol' | 'dave', StreamVideoClient> = {} as never;
const calls: Call[] = [];
const sources: SyntheticSource[] = [];
let ready: StreamEventMap['call.recording_ready'];
let file: string;

test.before(async () => {
  folder = await mkdtemp(join(tmpdir(), 'recording-test-'));
  demo = await startDemoServer({
    sfu: { iceInterface },
    recordings: { folder: join(folder, 'recordings'), width: WIDTH, height: HEIGHT, frameRate: FRAME_RATE },
  });
  coordinator = demo.coordinator;
  for (const user of ['alice', 'bob', 'carol', 'dave'] as const) clients[user] = await nodePeer(coordinator, user);
});

test.after(async () => {
  for (const s of sources) s.stop();
  for (const client of Object.values(clients)) await client.disconnectUser();
  await closeBrowser(browser);
  await demo.close();
  await rm(folder, { recursive: true, force: true });
});

/** Joins the call as `user` and publishes a camera of `color` and a microphone of `hz`. */
async function joinAndPublish(user: 'alice' | 'bob' | 'carol', color: PatternColor, hz: number): Promise<Call> {
  const call = await clients[user].joinCall(CALL_ID, TYPE, { members: [{ userId: 'alice', role: 'admin' }, { userId: 'bob' }, { userId: 'carol' }] });
  // Nobody watches: the SFU forwards no video to the publishers, who decode none (CPU for the test's other parts).
  call.setPreferredIncomingVideoResolution({ width: 0, height: 0 });
  const camera = colorCamera(color, 160, 120, 10);
  const microphone = toneMicrophone(hz);
  sources.push(camera, microphone);
  await call.publishVideoStream(camera.stream);
  await call.publishAudioStream(microphone.stream);
  calls.push(call);
  return call;
}

test('three publishers for about 20 s: every member gets call.recording_ready with the file, and the demo page its link', async () => {
  ({ page } = await openAs(browser, demo.url, 'carol'));
  await joinAndPublish('alice', 'red', 440);
  const readyForAlice = nextEvent(clients.alice, 'call.recording_ready', undefined, EVENT_WAIT_MS);
  const readyForBob = nextEvent(clients.bob, 'call.recording_ready', undefined, EVENT_WAIT_MS);
  await clients.alice.startRecording(CALL_ID, TYPE);
  const started = Date.now();
  // Recorded from when they publish: after the recording started.
  await joinAndPublish('bob', 'green', 660);
  await joinAndPublish('carol', 'blue', 880);
  await new Promise((resolve) => setTimeout(resolve, RECORD_MS - (Date.now() - started)));
  await clients.alice.stopRecording(CALL_ID, TYPE);
  const recordedMs = Date.now() - started;

  ready = await readyForAlice;
  const forBob = await readyForBob;
  const r = ready.callRecording!;
  assert.is(ready.callCid, `${TYPE}:${CALL_ID}`);
  assert.is(forBob.callRecording!.filename, r.filename);
  assert.match(r.filename, /^rec_default_recorded-standup_\d+\.webm$/);
  assert.instance(r.startTime, Date);
  assert.instance(r.endTime, Date);
  assert.ok(Math.abs(r.durationMs - recordedMs) <= recordedMs * 0.1, `durationMs ${r.durationMs} for ${recordedMs} ms recorded`);
  assert.ok(Math.abs(r.endTime!.getTime() - r.startTime!.getTime() - r.durationMs) <= 1000, 'start and end times span the duration');
  assert.ok(r.urlExpiresAt!.getTime() > Date.now(), 'the URL has not expired');
  assert.not.match(r.url, /token|authorization/i);

  const response = await fetch(r.url);
  assert.is(response.status, 200);
  assert.is(response.headers.get('content-type'), 'video/webm');
  const bytes = Buffer.from(await response.arrayBuffer());
  assert.is(bytes.length, r.sizeBytes);
  file = join(folder, r.filename);
  await writeFile(file, bytes);

  // Carol's page lists it, with a link that downloads it.
  await seeText(page, 'recording-link', r.filename, 'carol');
  const href = await page.getByTestId('recording-link').first().getAttribute('href');
  const linked = await fetch(href!);
  assert.is(linked.status, 200);
  assert.is(Buffer.from(await linked.arrayBuffer()).length, r.sizeBytes);
  await checkpoint({ carol: page }, 'ready', 'recording');
});

test('the file: a VP8 video of the recording length, Opus audio that is not silent, the three colours in the grid', async () => {
  const { streams } = await probe(file);
  const video = streams.find((s) => s.codec_type === 'video');
  const audio = streams.find((s) => s.codec_type === 'audio');
  assert.ok(video, 'a video stream');
  assert.ok(audio, 'an audio stream');
  assert.is(video.codec_name, 'vp8');
  assert.is(audio.codec_name, 'opus');
  assert.equal([video.width, video.height], [WIDTH, HEIGHT]);
  const expected = ready.callRecording!.durationMs / 1000;
  const seconds = streamSeconds(video);
  assert.ok(Math.abs(seconds - expected) <= expected * 0.1, `video of ${seconds} s for a recording of ${expected} s`);
  assert.ok(Math.abs(seconds - RECORD_MS / 1000) <= (RECORD_MS / 1000) * 0.1, `video of ${seconds} s for about ${RECORD_MS / 1000} s recorded`);
  assert.ok((await maxVolumeDb(file)) > -30, 'the tones are in the mix');
  // The middle frame: every publisher's colour in a cell of its own.
  const pixels = await frameAt(file, seconds / 2, WIDTH, HEIGHT);
  const seen = gridCells(3, WIDTH, HEIGHT).map((cell) => {
    const x = cell.x + cell.width / 2;
    const y = cell.y + cell.height / 2;
    const at = (y * WIDTH + x) * 3;
    return colorOf(pixels[at], pixels[at + 1], pixels[at + 2]);
  });
  assert.equal([...seen].sort(), ['blue', 'green', 'red'], `cells show ${seen.join(', ')}`);
});

test('listing and downloading: members list with fresh URLs; a non-member, a changed or expired signature are refused', async () => {
  const r = ready.callRecording!;
  const listed = await clients.bob.queryRecordings(CALL_ID, TYPE);
  assert.equal(
    listed.recordings.map((x) => x.filename),
    [r.filename],
  );
  assert.is((await calls[0].queryRecordings()).recordings[0].filename, r.filename);
  const denied = await expectError(clients.dave.queryRecordings(CALL_ID, TYPE), 'permission_denied');
  assert.is(denied.code, 'permission_denied');

  const url = new URL(listed.recordings[0].url);
  const refused = async (u: URL | string, why: string) => {
    const res = await fetch(u);
    assert.is(res.status, 403, `${why}: 403`);
    assert.is(res.headers.get('x-recording-denied'), why);
    await res.arrayBuffer();
  };
  await refused(`${url.origin}${url.pathname}`, 'missing');
  const later = new URL(url);
  later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 3600));
  await refused(later, 'invalid');
  const expired = new UrlSigner('local-secret').sign(coordinator.baseUrl, { type: TYPE, id: CALL_ID, filename: r.filename }, Date.now() - 1000);
  await refused(expired, 'expired');
  const range = await fetch(url, { headers: { range: 'bytes=0-99' } });
  assert.is(range.status, 206);
  assert.is((await range.arrayBuffer()).byteLength, 100);
});

test('a recording cut short by the end of the call is still delivered', async () => {
  const readyAgain = nextEvent(clients.bob, 'call.recording_ready', undefined, EVENT_WAIT_MS);
  await clients.alice.startRecording(CALL_ID, TYPE);
  const started = Date.now();
  await new Promise((resolve) => setTimeout(resolve, 3000));
  const alice = await rpcClient(coordinator, 'alice');
  await alice.endCall(EndCallRequest.create({ type: TYPE, id: CALL_ID }));
  const recordedMs = Date.now() - started;
  const r = (await readyAgain).callRecording!;
  assert.is.not(r.filename, ready.callRecording!.filename);
  assert.ok(Math.abs(r.durationMs - recordedMs) <= 1000, `durationMs ${r.durationMs} for ${recordedMs} ms recorded`);
  const path = join(folder, r.filename);
  await writeFile(path, Buffer.from(await (await fetch(r.url)).arrayBuffer()));
  const { streams } = await probe(path);
  assert.equal(streams.map((s) => s.codec_type).sort(), ['audio', 'video']);
  assert.equal(
    (await clients.alice.queryRecordings(CALL_ID, TYPE)).recordings.map((x) => x.filename),
    [ready.callRecording!.filename, r.filename],
  );
  await seeText(page, 'recording-link', r.filename, 'carol');
  await count(page, '[data-testid="recording"]', 2, 'carol');
});

test('deleting a recording: it leaves the list and its URL answers 404', async () => {
  const r = ready.callRecording!;
  await expectError(clients.bob.deleteRecording(CALL_ID, TYPE, r.filename), 'permission_denied');
  await clients.alice.deleteRecording(CALL_ID, TYPE, r.filename);
  const left = await clients.alice.queryRecordings(CALL_ID, TYPE);
  assert.not.ok(left.recordings.some((x) => x.filename === r.filename));
  const gone = await fetch(r.url);
  assert.is(gone.status, 404);
  await expectError(clients.alice.deleteRecording(CALL_ID, TYPE, r.filename), 'not_found');
});

test.run();
