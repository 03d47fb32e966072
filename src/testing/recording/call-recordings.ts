import { mkdir, rename, rm, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import type { CallRecording } from '../../../gen/stream/video/coordinator/v1/models';
import { findExecutable } from '../sfu/janus-process';
import type { SfuCalls } from '../sfu/sfu-calls';
import { toTimestamp, type CallRecord } from '../state/call-record';
import { requireCapability, type CallObserver, type CoordinatorState } from '../state/coordinator-state';
import { TwirpError } from '../twirp/twirp-error';
import { BoundedQueue } from './bounded-queue';
import { composeRecording } from './compose-recording';
import { folderBytes } from './folder-bytes';
import { serveRecording } from './recording-downloads';
import { RecordingError } from './recording-error';
import type { LocalRecordings } from './local-recordings';
import type { ResolvedRecordingOptions } from './recording-options';
import { RecordingsFolder } from './recordings-folder';
import { UrlSigner, type RecordingRef } from './signed-url';

/** What {@link CallRecordings} works with. */
export interface CallRecordingsDeps {
  readonly state: CoordinatorState;
  /** The coordinator's SFU; without one no call records media. */
  readonly sfu: SfuCalls | undefined;
  readonly options: ResolvedRecordingOptions;
  /** The app secret: it signs the download URLs. */
  readonly secret: string;
  /** The coordinator's base URL, for the download URLs. */
  baseUrl(): string;
  /** Where failures go (`where` is `recording`): a {@link RecordingError} with its code, the raw files' folder. */
  onError(err: unknown, where: string): void;
}

/** A recording in progress. */
interface ActiveRecording {
  readonly filename: string;
  /** When it started, on the coordinator's clock (the times members see). */
  readonly startedAt: number;
  /** When it started, on the machine's clock (Janus's files' times are on it). */
  readonly startWallMs: number;
  readonly rawFolder: string;
  readonly workFolder: string;
  readonly path: string;
}

/** A recording that is a file. */
interface ReadyRecording {
  readonly ref: RecordingRef;
  readonly path: string;
  readonly startedAt: number;
  readonly endedAt: number;
  readonly durationMs: number;
  readonly sizeBytes: number;
}

/**
 * The recordings of the local coordinator's calls. In an SFU call, a recording makes the SFU
 * record every publisher into a folder of the recording's own (`.mjr` files, those who
 * publish later too) until StopRecording or the end of the call; then the recording is
 * post-processed in the background ({@link composeRecording}: at most `maxConcurrent` at once,
 * each within `processTimeoutMs`) into one WebM file, and the call's members receive
 * `call.recording_ready` (or `call.recording_failed`, the raw files kept). Files are listed
 * by QueryRecordings, removed by DeleteRecording and downloaded at signed URLs
 * ({@link UrlSigner}). The folder has a size cap, checked when a recording starts, while calls
 * record (a recording at the cap stops) and before a file is made. A mesh call's recording
 * is a flag and its events only: nothing passes through the coordinator to record.
 *
 * ```ts
 * const recordings = new CallRecordings({ state, sfu, options, secret, baseUrl, onError });
 * state.observe(recordings);
 * await recordings.start(call); // in StartRecording
 * recordings.stop(call);        // in StopRecording
 * await recordings.close();
 * ```
 */
export class CallRecordings implements CallObserver, LocalRecordings {
  private readonly active = new Map<string, ActiveRecording>();
  private readonly ready = new Map<string, Map<string, ReadyRecording>>();
  /** File names given per call (recording, processing, ready or failed): never twice. */
  private readonly taken = new Map<string, Set<string>>();
  /** Starts and stops of each call's recording at the SFU, in order. */
  private readonly chains = new Map<string, Promise<void>>();
  private readonly processing = new Set<Promise<void>>();
  private readonly queue: BoundedQueue;
  private readonly signer: UrlSigner;
  private readonly folder: RecordingsFolder;
  private closed = false;

  constructor(private readonly deps: CallRecordingsDeps) {
    this.queue = new BoundedQueue(deps.options.maxConcurrent, deps.options.processTimeoutMs);
    this.signer = new UrlSigner(deps.secret);
    this.folder = new RecordingsFolder(deps.options.folder, deps.options.maxBytes);
  }

  /** Whether recording `call` makes a file: an SFU call on a coordinator with an SFU. */
  recordsMedia(call: CallRecord): boolean {
    return this.deps.sfu !== undefined && call.settings.media?.topology === 'sfu';
  }

  /** Calls whose media is being recorded now. */
  get recording(): number {
    return this.active.size;
  }

  /** Recordings being post-processed or waiting for it. */
  get pending(): number {
    return this.processing.size;
  }

  /**
   * Starts recording `call` at the SFU (nothing for a mesh call). Resolves once the SFU records.
   * @throws TwirpError `resource_exhausted` (`reason = "storage_full"`) at the folder's cap;
   *   `failed_precondition` (`reason = "recording_tools_missing"`) without `janus-pp-rec` or
   *   `ffmpeg`; `unavailable` (`reason = "sfu_unavailable"`) when the SFU refuses.
   */
  async start(call: CallRecord): Promise<void> {
    if (!this.recordsMedia(call)) return;
    if (this.closed) throw new TwirpError('unavailable', 'the coordinator is closing');
    if (this.active.has(call.cid)) throw new TwirpError('failed_precondition', `call ${call.cid} is already being recorded`);
    const { options } = this.deps;
    const missing = [options.janusPpRec, options.ffmpeg].filter((tool) => !findExecutable(tool));
    if (missing.length > 0) {
      throw new TwirpError(
        'failed_precondition',
        `recording needs ${missing.join(' and ')}: install Debian's packages "janus-tools" and "ffmpeg" on the coordinator's machine`,
        { reason: 'recording_tools_missing' },
      );
    }
    const folder = await this.folder.path();
    const used = await this.folder.used();
    if (used >= options.maxBytes) {
      throw new TwirpError('resource_exhausted', `the recordings folder holds ${used} bytes, its cap is ${options.maxBytes}`, {
        reason: 'storage_full',
        limit: String(options.maxBytes),
      });
    }
    const startedAt = this.deps.state.now();
    const filename = this.nameFor(call, startedAt);
    const stem = filename.replace(/\.webm$/, '');
    const dir = join(folder, call.type, call.id);
    const recording: ActiveRecording = {
      filename,
      startedAt,
      startWallMs: Date.now(),
      rawFolder: join(dir, `${stem}.raw`),
      workFolder: join(dir, `${stem}.work`),
      path: join(dir, filename),
    };
    this.active.set(call.cid, recording);
    try {
      await mkdir(recording.rawFolder, { recursive: true });
      await this.atSfu(call, recording.rawFolder);
    } catch (err) {
      this.deps.onError(err, 'recording');
      if (this.active.get(call.cid) === recording) this.active.delete(call.cid);
      this.taken.get(call.cid)?.delete(filename);
      await rm(recording.rawFolder, { recursive: true, force: true });
      // Stop whatever the SFU may have started before it failed.
      void this.atSfu(call, undefined).catch(() => {});
      throw new TwirpError('unavailable', `the SFU could not record call ${call.cid}`, { reason: 'sfu_unavailable' });
    }
    this.folder.watch(
      options.checkIntervalMs,
      () => this.active.size > 0 && !this.closed,
      () => this.stopAll(),
      (err) => this.deps.onError(err, 'recording'),
    );
  }

  /** Stops recording `call`: the file is made in the background. Nothing for a call not recording media. */
  stop(call: CallRecord): void {
    const recording = this.active.get(call.cid);
    if (recording) this.finish(call, recording);
  }

  /** A call ended: its recording stops there and is still made into a file. */
  callEnded(call: CallRecord): void {
    this.stop(call);
  }

  /** Nothing to do: a recording follows the call, not its participants. */
  participantLeft(): void {}

  /**
   * The ready recordings of `call`, oldest first, with URLs signed from now.
   * @throws TwirpError `permission_denied` unless `userId` may read the call and is a member.
   */
  list(call: CallRecord, userId: string): CallRecording[] {
    requireMember(call, userId, 'read-call');
    return [...(this.ready.get(call.cid)?.values() ?? [])].sort((a, b) => a.startedAt - b.startedAt).map((r) => this.toMessage(r));
  }

  /**
   * Deletes a ready recording: its file goes, and its URLs answer 404.
   * @throws TwirpError `permission_denied` without `stop-record-call` or membership; `not_found`.
   */
  async delete(call: CallRecord, userId: string, filename: string): Promise<void> {
    requireMember(call, userId, 'stop-record-call');
    const recording = this.ready.get(call.cid)?.get(filename);
    if (!recording) throw new TwirpError('not_found', `call ${call.cid} has no recording "${filename}"`);
    this.ready.get(call.cid)?.delete(filename);
    await rm(recording.path, { force: true });
  }

  /** Answers a download request of a recording (see {@link serveRecording}); false for another path. */
  serve(req: IncomingMessage, res: ServerResponse): Promise<boolean> {
    return serveRecording(req, res, this.signer, (ref) => this.ready.get(`${ref.type}:${ref.id}`)?.get(ref.filename)?.path, Date.now());
  }

  /**
   * Stops watching the folder, aborts post-processing (files not made are not announced; their
   * raw files stay in a folder of the caller's) and removes a temporary folder. Idempotent.
   */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.active.clear();
    this.queue.close();
    await Promise.all([...this.chains.values(), ...this.processing]);
    await this.folder.close();
  }

  /** A file name for a recording of `call` started at `startedAt`, unique in the call. */
  private nameFor(call: CallRecord, startedAt: number): string {
    let names = this.taken.get(call.cid);
    if (!names) this.taken.set(call.cid, (names = new Set()));
    const base = `rec_${call.type}_${call.id}_${startedAt}`;
    let name = `${base}.webm`;
    for (let n = 2; names.has(name); n++) name = `${base}_${n}.webm`;
    names.add(name);
    return name;
  }

  /** Starts (a folder) or stops (undefined) recording `call` at the SFU, after its earlier starts and stops. */
  private atSfu(call: CallRecord, folder: string | undefined): Promise<void> {
    const previous = this.chains.get(call.cid) ?? Promise.resolve();
    const next = previous.then(() => this.deps.sfu?.record(call, folder));
    const settled = next.then(
      () => {},
      () => {},
    );
    this.chains.set(call.cid, settled);
    void settled.then(() => {
      if (this.chains.get(call.cid) === settled) this.chains.delete(call.cid);
    });
    return next;
  }

  /** Ends a recording: the SFU stops (its files complete), then the file is made in the background. */
  private finish(call: CallRecord, recording: ActiveRecording): void {
    this.active.delete(call.cid);
    const endedAt = Math.max(this.deps.state.now(), recording.startedAt);
    const durationMs = Math.max(0, Date.now() - recording.startWallMs);
    const job = this.atSfu(call, undefined)
      .catch((err: unknown) => {
        // The SFU is gone or refused: its files hold what it recorded until then.
        this.deps.onError(err, 'recording');
      })
      .then(() => this.make(call, recording, endedAt, durationMs));
    this.processing.add(job);
    void job.finally(() => this.processing.delete(job));
  }

  /** Post-processes a recording into its file and tells the call's members how it went. */
  private async make(call: CallRecord, recording: ActiveRecording, endedAt: number, durationMs: number): Promise<void> {
    const { options } = this.deps;
    try {
      const composite = await this.queue.run(async (signal) => {
        await this.folder.requireRoom(0);
        return composeRecording(
          { rawFolder: recording.rawFolder, workFolder: recording.workFolder, startMs: recording.startWallMs, durationMs },
          options,
          signal,
        );
      });
      const sizeBytes = (await stat(composite)).size;
      // Once made, the raw and intermediate files go: the folder then holds the file in their place.
      const freed = (await folderBytes(recording.rawFolder)) + (await folderBytes(recording.workFolder));
      await this.folder.requireRoom(sizeBytes - freed);
      await rename(composite, recording.path);
      await rm(recording.workFolder, { recursive: true, force: true });
      await rm(recording.rawFolder, { recursive: true, force: true });
      const ready: ReadyRecording = {
        ref: { type: call.type, id: call.id, filename: recording.filename },
        path: recording.path,
        startedAt: recording.startedAt,
        endedAt,
        durationMs,
        sizeBytes,
      };
      let byName = this.ready.get(call.cid);
      if (!byName) this.ready.set(call.cid, (byName = new Map<string, ReadyRecording>()));
      byName.set(recording.filename, ready);
      if (!this.closed)
        this.deps.state.publish(membersOf(call), call, { oneofKind: 'recordingReady', recordingReady: { callRecording: this.toMessage(ready) } });
    } catch (err) {
      await rm(recording.workFolder, { recursive: true, force: true });
      if (this.closed) return;
      const failure =
        err instanceof RecordingError
          ? new RecordingError(err.code, err.message, {
              callCid: call.cid,
              filename: recording.filename,
              rawFolder: recording.rawFolder,
              output: err.output,
              cause: err,
            })
          : new RecordingError('processing_failed', `recording ${recording.filename} could not be made`, {
              callCid: call.cid,
              filename: recording.filename,
              rawFolder: recording.rawFolder,
              cause: err,
            });
      this.deps.onError(failure, 'recording');
      this.deps.state.publish(membersOf(call), call, {
        oneofKind: 'recordingFailed',
        recordingFailed: { filename: recording.filename, startTime: toTimestamp(recording.startedAt), endTime: toTimestamp(endedAt), reason: failure.code },
      });
    }
  }

  /** The folder reached its cap: every recording stops (`call.recording_stopped`), and is made into a file if there is room. */
  private stopAll(): void {
    for (const cid of [...this.active.keys()]) {
      const call = this.deps.state.calls.get(cid);
      if (!call) continue;
      call.recording = false;
      call.touch(this.deps.state.now());
      this.deps.state.publish(call.audience(), call, { oneofKind: 'recordingStopped', recordingStopped: {} });
      this.stop(call);
    }
  }

  private toMessage(r: ReadyRecording): CallRecording {
    const expiresAt = Date.now() + this.deps.options.urlTtlMs;
    return {
      filename: r.ref.filename,
      url: this.signer.sign(this.deps.baseUrl(), r.ref, expiresAt),
      startTime: toTimestamp(r.startedAt),
      endTime: toTimestamp(r.endedAt),
      durationMs: r.durationMs,
      sizeBytes: r.sizeBytes,
      urlExpiresAt: toTimestamp(Math.ceil(expiresAt / 1000) * 1000),
    };
  }
}

/** The users who hear about a call's recordings: its members. */
function membersOf(call: CallRecord): Set<string> {
  return new Set(call.members.keys());
}

/** Throws `permission_denied` unless `userId` holds `capability` in `call` and is one of its members. */
function requireMember(call: CallRecord, userId: string, capability: string): void {
  requireCapability(call, userId, capability);
  if (!call.members.has(userId))
    throw new TwirpError('permission_denied', `only members of call ${call.cid} may see its recordings`, { reason: 'not_a_member' });
}
