import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { RecordingError } from './recording-error';
import { runTool } from './run-tool';

/**
 * One stream Janus's VideoRoom recorded: a `.mjr` file of one publisher's audio or video,
 * from its first packet on.
 */
export interface RawTrack {
  /** The `.mjr` file's path. */
  readonly file: string;
  /** The publisher's feed id at Janus: one per published connection. */
  readonly feed: string;
  readonly kind: 'audio' | 'video';
  /** The codec, as Janus names it (`vp8`, `opus`). */
  readonly codec: string;
  /** When the first packet was written, in epoch microseconds (Janus's clock: the machine's). */
  readonly firstPacketUs: number;
}

/**
 * The VideoRoom's recording file names (Janus 1.x, numeric ids):
 * `videoroom-<room>-user-<feed>-<time>-<audio|video|data>-<m-line>.mjr`.
 */
const MJR_NAME = /^videoroom-[^-]+-user-([^-]+)-\d+-(audio|video|data)-\d+(?:-[^/]*)?\.mjr$/;

/** The header `janus-pp-rec --json` prints: type, codec, creation and first-packet times. */
interface MjrHeader {
  t?: string;
  c?: string;
  s?: number;
  u?: number;
}

/** The codecs the composite takes: the VideoRoom of an SFU call sends VP8 and Opus. */
const CODECS = { video: 'vp8', audio: 'opus' } as const;

/**
 * The audio and video tracks recorded in `folder`, oldest first: every VideoRoom `.mjr` file
 * that holds at least one packet (a recorder that never received media leaves a file without
 * a header, and data channels are not recorded into the composite).
 * @throws RecordingError `processing_failed` for a file `janus-pp-rec` cannot read or of
 *   another codec than VP8 or Opus; `tools_missing`; `timeout`.
 */
export async function readRawTracks(folder: string, janusPpRec: string, signal: AbortSignal): Promise<RawTrack[]> {
  let names: string[];
  try {
    names = await readdir(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const tracks: RawTrack[] = [];
  for (const name of names.sort()) {
    const match = MJR_NAME.exec(name);
    if (!match || match[2] === 'data') continue;
    const kind = match[2] as 'audio' | 'video';
    const file = join(folder, name);
    const header = parseHeader(await runTool(janusPpRec, ['--json', file], signal, `read the header of ${name}`));
    if (!header?.u) continue; // no packet was ever written
    if (header.c !== CODECS[kind]) {
      throw new RecordingError('processing_failed', `${name} holds ${kind} in ${String(header.c)}; the composite takes ${CODECS[kind]} only`);
    }
    tracks.push({ file, feed: match[1], kind, codec: header.c, firstPacketUs: header.u });
  }
  return tracks.sort((a, b) => a.firstPacketUs - b.firstPacketUs);
}

/** The JSON header among what `janus-pp-rec --json` printed, or undefined when it printed none (an empty recording). */
export function parseHeader(output: string): MjrHeader | undefined {
  const line = output
    .split('\n')
    .map((l) => l.trim())
    .reverse()
    .find((l) => l.startsWith('{'));
  if (!line) return undefined;
  try {
    const header: unknown = JSON.parse(line);
    if (typeof header !== 'object' || header === null) return undefined;
    return header;
  } catch {
    throw new RecordingError('processing_failed', `janus-pp-rec printed a header that is not JSON: ${line.slice(0, 200)}`);
  }
}
