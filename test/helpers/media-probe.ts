/**
 * What a media file holds, read with Debian's `ffprobe` and `ffmpeg`: its streams, one frame's
 * pixels, its loudest audio.
 *
 * ```ts
 * const { streams } = await probe('rec.webm');
 * const rgb = await frameAt('rec.webm', 10, 640, 360); // width * height * 3 bytes
 * const db = await maxVolumeDb('rec.webm');
 * ```
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A stream as `ffprobe -show_streams` describes it (the fields tests read). */
export interface ProbedStream {
  /** `video`, `audio`, `subtitle`, `data`... */
  codec_type: string;
  codec_name: string;
  width?: number;
  height?: number;
  /** Seconds, as text; WebM files carry it in `tags.DURATION` instead. */
  duration?: string;
  tags?: Record<string, string>;
}

/** The streams of `file` and its container's duration in seconds. */
export async function probe(file: string): Promise<{ streams: ProbedStream[]; durationSeconds: number }> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-print_format', 'json', '-show_streams', '-show_format', file]);
  const parsed = JSON.parse(stdout) as { streams: ProbedStream[]; format: { duration: string } };
  return { streams: parsed.streams, durationSeconds: Number(parsed.format.duration) };
}

/** A stream's duration in seconds: `duration`, or WebM's `DURATION` tag (`HH:MM:SS.fraction`). */
export function streamSeconds(stream: ProbedStream): number {
  if (stream.duration !== undefined) return Number(stream.duration);
  const tag = stream.tags?.DURATION ?? stream.tags?.duration;
  const match = tag === undefined ? null : /^(\d+):(\d+):([\d.]+)$/.exec(tag);
  if (!match) return Number.NaN;
  return Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]);
}

/** The RGB pixels (`width * height * 3` bytes, row by row) of the frame at `seconds`, scaled to `width` x `height`. */
export async function frameAt(file: string, seconds: number, width: number, height: number): Promise<Buffer> {
  const { stdout } = await run(
    'ffmpeg',
    ['-v', 'error', '-ss', String(seconds), '-i', file, '-frames:v', '1', '-vf', `scale=${width}:${height}`, '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'],
    { encoding: 'buffer', maxBuffer: width * height * 3 + 1024 },
  );
  return stdout;
}

/** The loudest sample of the file's audio, in dB below full scale (`-91` is silence). */
export async function maxVolumeDb(file: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-v', 'info', '-nostats', '-i', file, '-map', '0:a', '-af', 'volumedetect', '-f', 'null', '-']);
  const match = /max_volume:\s*(-?[\d.]+) dB/.exec(stderr);
  return match ? Number(match[1]) : Number.NaN;
}
