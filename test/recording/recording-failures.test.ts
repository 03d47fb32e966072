/**
 * Recordings of SFU calls that go wrong, and one without video: what the members receive
 * (`call.recording_failed` with its reason, or `call.recording_ready`), what the coordinator
 * reports (a RecordingError with the code and the raw files' folder, which is kept), and what
 * StartRecording refuses (tools missing, the folder at its cap). Janus runs, but nobody
 * publishes: where a recording needs media, a `.mjr` written by hand stands for what Janus
 * would have recorded.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { chmod, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  GetOrCreateCallRequest,
  JoinCallRequest,
  StartRecordingRequest,
  StopRecordingRequest,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { Event } from '../../gen/stream/video/coordinator/v1/events';
import type { LocalCoordinator, LocalCoordinatorOptions } from '../../src/testing';
import { RecordingError } from '../../src/testing/recording/recording-error';
import type { RecordingOptions } from '../../src/testing/recording/recording-options';
import { writeOpusMjr } from '../helpers/mjr';
import { probe, streamSeconds } from '../helpers/media-probe';
import { expectRpcError, kindsOf, rpcClient, startCoordinator, uniqueId } from '../helpers/rpc';

const run = promisify(execFile);
const test = suite('recordings that fail');

let root: string;
const open: LocalCoordinator[] = [];

test.before(async () => {
  root = await mkdtemp(join(tmpdir(), 'recording-failures-'));
});
test.after(async () => {
  for (const c of open) await c.close();
  await rm(root, { recursive: true, force: true });
});

/** A coordinator with Janus and recordings in a folder of the test's, and what it reported to `onError`. */
async function coordinator(name: string, recordings: RecordingOptions = {}) {
  const errors: RecordingError[] = [];
  const folder = join(root, name);
  const options: LocalCoordinatorOptions = {
    sfu: 'janus',
    recordings: { folder, ...recordings },
    onError: (err) => void (err instanceof RecordingError && errors.push(err)),
  };
  const c = await startCoordinator(options);
  open.push(c);
  const alice = await rpcClient(c, 'alice');
  /** A call alice created with bob as a member and joined (so the SFU has its room). */
  const call = async () => {
    const id = uniqueId('rec');
    await alice.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id, data: { members: [{ userId: 'bob', role: 'member' }] } }));
    await alice.joinCall(JoinCallRequest.create({ type: 'default', id, sessionId: `alice-${id}` }));
    return {
      id,
      start: () => alice.startRecording(StartRecordingRequest.create({ type: 'default', id })),
      stop: () => alice.stopRecording(StopRecordingRequest.create({ type: 'default', id })),
      /** The raw folder of the recording in progress. */
      rawFolder: async () => {
        const dir = join(folder, 'default', id);
        const raw = (await readdir(dir)).filter((f) => f.endsWith('.raw'));
        assert.is(raw.length, 1, 'one recording in progress');
        return join(dir, raw[0]);
      },
    };
  };
  return { c, errors, folder, call };
}

/** The next event of `kind` about call `id` that `userId` receives. */
function nextEvent(c: LocalCoordinator, userId: string, id: string, kind: NonNullable<Event['payload']['oneofKind']>): Promise<Event> {
  return new Promise((resolve) => {
    const stop = c.events.subscribe((to, event) => {
      if (to !== userId || event.callCid !== `default:${id}` || event.payload.oneofKind !== kind) return;
      stop();
      resolve(event);
    });
  });
}

function failureOf(event: Event): string {
  return event.payload.oneofKind === 'recordingFailed' ? event.payload.recordingFailed.reason : `not a failure: ${event.payload.oneofKind}`;
}

test('nothing published: call.recording_failed "no_media" for the members, reported with the raw folder kept', async () => {
  const { c, errors, call } = await coordinator('no-media');
  const s = await call();
  const failed = nextEvent(c, 'bob', s.id, 'recordingFailed');
  await s.start();
  const raw = await s.rawFolder();
  await s.stop();
  const event = await failed;
  assert.is(failureOf(event), 'no_media');
  if (event.payload.oneofKind === 'recordingFailed') assert.match(event.payload.recordingFailed.filename, new RegExp(`^rec_default_${s.id}_\\d+\\.webm$`));
  assert.equal(
    errors.map((e) => [e.code, e.callCid, e.rawFolder]),
    [['no_media', `default:${s.id}`, raw]],
  );
  assert.equal(await readdir(raw), []);
  assert.equal((await readdir(join(raw, '..'))).sort(), [raw.split('/').pop()]);
});

test('audio only: the file has the audio and a black video of the recording length', async () => {
  const { c, call } = await coordinator('audio-only', { width: 320, height: 180 });
  const s = await call();
  const ready = nextEvent(c, 'alice', s.id, 'recordingReady');
  await s.start();
  // A second of Opus from a publisher, from when the recording started.
  await writeOpusMjr(join(await s.rawFolder(), 'videoroom-1-user-7-1-audio-0.mjr'), Date.now() * 1000, 50);
  await new Promise((resolve) => setTimeout(resolve, 1000));
  await s.stop();
  const event = await ready;
  if (event.payload.oneofKind !== 'recordingReady') throw new Error('not ready');
  const r = event.payload.recordingReady.callRecording!;
  const file = join(root, r.filename);
  await writeFile(file, Buffer.from(await (await fetch(r.url)).arrayBuffer()));
  const { streams } = await probe(file);
  assert.equal(streams.map((x) => x.codec_type).sort(), ['audio', 'video']);
  const video = streams.find((x) => x.codec_type === 'video')!;
  assert.ok(Math.abs(streamSeconds(video) - r.durationMs / 1000) <= 0.2, `video of ${streamSeconds(video)} s for ${r.durationMs} ms`);
});

test('ffmpeg fails: "processing_failed", its output in the report, the raw files kept and nothing half-made left', async () => {
  const { c, errors, call } = await coordinator('ffmpeg-fails', { ffmpeg: '/bin/false' });
  const s = await call();
  const failed = nextEvent(c, 'alice', s.id, 'recordingFailed');
  await s.start();
  const raw = await s.rawFolder();
  await writeOpusMjr(join(raw, 'videoroom-1-user-7-1-audio-0.mjr'), Date.now() * 1000, 10);
  await s.stop();
  assert.is(failureOf(await failed), 'processing_failed');
  assert.equal(
    errors.map((e) => [e.code, e.rawFolder]),
    [['processing_failed', raw]],
  );
  assert.equal(await readdir(raw), ['videoroom-1-user-7-1-audio-0.mjr']);
  assert.equal((await readdir(join(raw, '..'))).sort(), [raw.split('/').pop()]);
});

test('post-processing past processTimeoutMs: "timeout", the tool killed', async () => {
  const hang = join(root, 'hang.sh');
  await writeFile(hang, '#!/bin/sh\nexec sleep 600.25\n');
  await chmod(hang, 0o755);
  const { c, errors, call } = await coordinator('timeout', { ffmpeg: hang, processTimeoutMs: 1000 });
  const s = await call();
  const failed = nextEvent(c, 'alice', s.id, 'recordingFailed');
  await s.start();
  await writeOpusMjr(join(await s.rawFolder(), 'videoroom-1-user-7-1-audio-0.mjr'), Date.now() * 1000, 10);
  await s.stop();
  assert.is(failureOf(await failed), 'timeout');
  assert.equal(
    errors.map((e) => e.code),
    ['timeout'],
  );
  const { stdout } = await run('ps', ['-eo', 'args']);
  assert.not.ok(stdout.includes('sleep 600.25'), 'the tool was killed');
});

test('StartRecording without janus-pp-rec: failed_precondition "recording_tools_missing", the call not recording', async () => {
  const { c, call } = await coordinator('no-tools', { janusPpRec: join(root, 'no-such-janus-pp-rec') });
  const s = await call();
  const err = await expectRpcError(s.start(), 'failed_precondition');
  assert.is(err.meta['reason'], 'recording_tools_missing');
  assert.is(c.state.calls.get(`default:${s.id}`)?.recording, false);
});

test('the folder at its cap: a recording in progress stops ("storage_full"), and StartRecording is refused', async () => {
  const { c, errors, folder, call } = await coordinator('cap', { maxBytes: 2 ** 20, checkIntervalMs: 100 });
  const s = await call();
  const stopped = nextEvent(c, 'bob', s.id, 'recordingStopped');
  const failed = nextEvent(c, 'bob', s.id, 'recordingFailed');
  await s.start();
  await writeOpusMjr(join(await s.rawFolder(), 'videoroom-1-user-7-1-audio-0.mjr'), Date.now() * 1000, 10);
  await writeFile(join(folder, 'filler'), Buffer.alloc(2 ** 20));
  await stopped;
  assert.is(failureOf(await failed), 'storage_full');
  assert.equal(
    errors.map((e) => e.code),
    ['storage_full'],
  );
  assert.is(c.state.calls.get(`default:${s.id}`)?.recording, false);
  const refused = await expectRpcError(s.start(), 'resource_exhausted');
  assert.is(refused.meta['reason'], 'storage_full');
  assert.equal(kindsOf([await stopped]), ['recordingStopped']);
});

test.run();
