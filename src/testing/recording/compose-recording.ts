import { mkdir } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { compositeArgs, type CompositeInput } from './composite-args';
import { readRawTracks } from './raw-tracks';
import { RecordingError } from './recording-error';
import type { ResolvedRecordingOptions } from './recording-options';
import { runTool } from './run-tool';

/** What one recording's post-processing reads and writes. */
export interface ComposeJob {
  /** The SFU's `.mjr` files of the recording. */
  readonly rawFolder: string;
  /** Where the converted tracks and the composite are written (created when missing). */
  readonly workFolder: string;
  /** When the recording started and how long it lasted: the composite's frame in time. */
  readonly startMs: number;
  readonly durationMs: number;
}

/**
 * Makes one recording's composite WebM: reads the tracks the SFU recorded, turns each into
 * WebM (VP8) or Opus with `janus-pp-rec`, and composes them with `ffmpeg` (a grid of the
 * videos, the audio mixed; see {@link compositeArgs}). Resolves with the composite's path,
 * in `workFolder`.
 * @throws RecordingError `no_media` when nothing was recorded; `processing_failed`,
 *   `tools_missing`, `timeout` (when `signal` aborts with reason `'timeout'`).
 */
export async function composeRecording(job: ComposeJob, options: ResolvedRecordingOptions, signal: AbortSignal): Promise<string> {
  const tracks = await readRawTracks(job.rawFolder, options.janusPpRec, signal);
  if (tracks.length === 0) throw new RecordingError('no_media', 'nothing was published while the call was recorded');
  await mkdir(job.workFolder, { recursive: true });
  const inputs: CompositeInput[] = [];
  for (const track of tracks) {
    const path = join(job.workFolder, `${basename(track.file, '.mjr')}.${track.kind === 'video' ? 'webm' : 'opus'}`);
    await runTool(options.janusPpRec, [track.file, path], signal, `convert ${basename(track.file)}`);
    inputs.push({ feed: track.feed, kind: track.kind, path, offsetSeconds: (track.firstPacketUs / 1000 - job.startMs) / 1000 });
  }
  const output = join(job.workFolder, 'composite.webm');
  const frame = { width: options.width, height: options.height, frameRate: options.frameRate, durationSeconds: job.durationMs / 1000 };
  await runTool(options.ffmpeg, compositeArgs(inputs, frame, output), signal, 'compose the recording');
  return output;
}
