import { ONE_HOUR_MS, wholeNumber } from '../options';

/**
 * Where and how the local coordinator makes recordings of SFU calls
 * (`LocalCoordinator.start({ sfu: 'janus', recordings: { ... } })`). Every option has a default.
 *
 * ```ts
 * const coordinator = await LocalCoordinator.start({ sfu: 'janus', recordings: { folder: './recordings', maxBytes: 2 ** 30 } });
 * ```
 */
export interface RecordingOptions {
  /**
   * The folder recordings live in: the SFU's raw `.mjr` files while a call records, then the
   * WebM files (default: a new temporary folder, removed when the coordinator closes). A
   * folder given here is created when missing and never removed.
   */
  folder?: string;
  /**
   * The size cap of the folder, in bytes: 1 MiB to 2^50 (default 1 GiB). At the cap
   * StartRecording answers `resource_exhausted` (`meta.reason = "storage_full"`), recordings in
   * progress stop, and post-processing that would go beyond it fails with `storage_full`.
   */
  maxBytes?: number;
  /** How many recordings are post-processed at once: 1 to 16 (default 1); the others wait their turn. */
  maxConcurrent?: number;
  /** How long one recording's post-processing may take, in ms: 1,000 to 3,600,000 (default 600,000); past it, it fails with `timeout`. */
  processTimeoutMs?: number;
  /** How long a download URL works, in ms: 1,000 to 604,800,000, a week (default 3,600,000). */
  urlTtlMs?: number;
  /** The composite video's width in pixels, an even number from 160 to 3840 (default 1280). */
  width?: number;
  /** The composite video's height in pixels, an even number from 120 to 2160 (default 720). */
  height?: number;
  /** The composite video's frame rate: 1 to 60 (default 15). */
  frameRate?: number;
  /** How often the folder's size is checked while a call records, in ms: 100 to 60,000 (default 1,000). */
  checkIntervalMs?: number;
  /** The `janus-pp-rec` program (default `janus-pp-rec`, looked up in `PATH`; Debian's package `janus-tools`). */
  janusPpRec?: string;
  /** The `ffmpeg` program (default `ffmpeg`, looked up in `PATH`; Debian's package `ffmpeg`). */
  ffmpeg?: string;
}

/** {@link RecordingOptions} with every default applied and every value checked. */
export interface ResolvedRecordingOptions {
  /** The folder given, or undefined for a temporary one. */
  readonly folder: string | undefined;
  readonly maxBytes: number;
  readonly maxConcurrent: number;
  readonly processTimeoutMs: number;
  readonly urlTtlMs: number;
  readonly width: number;
  readonly height: number;
  readonly frameRate: number;
  readonly checkIntervalMs: number;
  readonly janusPpRec: string;
  readonly ffmpeg: string;
}

/** The folder's size cap when no option sets it: 1 GiB. */
export const DEFAULT_RECORDINGS_MAX_BYTES = 2 ** 30;
const WEEK_MS = 7 * 24 * ONE_HOUR_MS;

/**
 * Applies the defaults of {@link RecordingOptions} and checks every value.
 * @throws RangeError naming the first option out of its range.
 */
export function resolveRecordingOptions(options: RecordingOptions = {}): ResolvedRecordingOptions {
  if (typeof options !== 'object' || options === null) throw new RangeError('recordings must be an object of recording options');
  const text = (name: 'folder' | 'janusPpRec' | 'ffmpeg', value: unknown): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0 || value.includes('\0')) throw new RangeError(`recordings.${name} must be a non-empty string`);
    return value;
  };
  const even = (name: 'width' | 'height', value: number | undefined, fallback: number, min: number, max: number) => {
    const n = wholeNumber(`recordings.${name}`, value, fallback, min, max);
    if (n % 2 !== 0) throw new RangeError(`recordings.${name} must be even, got ${n}`);
    return n;
  };
  const maxBytes = options.maxBytes ?? DEFAULT_RECORDINGS_MAX_BYTES;
  if (typeof maxBytes !== 'number' || !Number.isSafeInteger(maxBytes) || maxBytes < 2 ** 20 || maxBytes > 2 ** 50) {
    throw new RangeError(`recordings.maxBytes must be a whole number of bytes from 1 MiB to 2^50, got ${String(maxBytes)}`);
  }
  return {
    folder: text('folder', options.folder),
    maxBytes,
    maxConcurrent: wholeNumber('recordings.maxConcurrent', options.maxConcurrent, 1, 1, 16),
    processTimeoutMs: wholeNumber('recordings.processTimeoutMs', options.processTimeoutMs, 600_000, 1000, ONE_HOUR_MS),
    urlTtlMs: wholeNumber('recordings.urlTtlMs', options.urlTtlMs, ONE_HOUR_MS, 1000, WEEK_MS),
    width: even('width', options.width, 1280, 160, 3840),
    height: even('height', options.height, 720, 120, 2160),
    frameRate: wholeNumber('recordings.frameRate', options.frameRate, 15, 1, 60),
    checkIntervalMs: wholeNumber('recordings.checkIntervalMs', options.checkIntervalMs, 1000, 100, 60_000),
    janusPpRec: text('janusPpRec', options.janusPpRec) ?? 'janus-pp-rec',
    ffmpeg: text('ffmpeg', options.ffmpeg) ?? 'ffmpeg',
  };
}
