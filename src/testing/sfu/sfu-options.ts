import { wholeNumber } from '../options';

/**
 * Janus Gateway as the local coordinator's SFU (`LocalCoordinator.start({ sfu: { ... } })`).
 * Every option has a default; `sfu: 'janus'` takes them all.
 *
 * ```ts
 * const coordinator = await LocalCoordinator.start({ sfu: { iceInterface: 'v0', maxPublishers: 32 } });
 * ```
 */
export interface JanusOptions {
  /** The Janus program to run (default `janus`, looked up in `PATH`; Debian's package `janus`). */
  executable?: string;
  /**
   * The folder holding Janus's `plugins/` and `transports/` (default: the first that holds the
   * VideoRoom plugin of `/usr/lib/<multiarch>/janus`, `/usr/lib/janus`, `/usr/local/lib/janus`,
   * `/opt/janus/lib/janus`).
   */
  libraryFolder?: string;
  /**
   * The only network interface Janus gathers ICE candidates on, e.g. `v0` (default: every
   * interface). Janus never gathers a loopback candidate: tests run it in a network namespace
   * of their own with a veth pair and name its end here, so that no media leaves the machine.
   */
  iceInterface?: string;
  /**
   * Most sessions that may publish at once in one call (the VideoRoom's `publishers`): 1 to
   * 1,000 (default 16). Beyond it `UpdatePublishedTracks` answers `resource_exhausted` with
   * `meta.reason = "sfu_limit"`.
   */
  maxPublishers?: number;
  /** How long Janus may take to start answering on its API, in ms: 100 to 60,000 (default 10,000). */
  startTimeoutMs?: number;
  /** How long one request to Janus may take before it fails with `unavailable`, in ms: 100 to 60,000 (default 10,000). */
  requestTimeoutMs?: number;
}

/** What `LocalCoordinatorOptions.sfu` takes: `'janus'` for every default, or Janus's options. */
export type SfuOptions = 'janus' | JanusOptions;

/** {@link JanusOptions} with every default applied and every value checked. */
export interface ResolvedJanusOptions {
  readonly executable: string;
  readonly libraryFolder: string | undefined;
  readonly iceInterface: string | undefined;
  readonly maxPublishers: number;
  readonly startTimeoutMs: number;
  readonly requestTimeoutMs: number;
}

/** The publisher limit of an SFU call when no option sets it. */
export const DEFAULT_SFU_MAX_PUBLISHERS = 16;

/**
 * Applies the defaults of {@link JanusOptions} and checks every value.
 * @throws RangeError naming the first option out of its range.
 */
export function resolveSfuOptions(options: SfuOptions): ResolvedJanusOptions {
  if (options === 'janus') options = {};
  if (typeof options !== 'object' || options === null) throw new RangeError(`sfu must be 'janus' or an object of Janus's options, got ${String(options)}`);
  const text = (name: keyof JanusOptions, value: unknown): string | undefined => {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || value.length === 0 || /[\s"\\]/.test(value))
      throw new RangeError(`sfu.${name} must be a non-empty string without spaces or quotes`);
    return value;
  };
  return {
    executable: text('executable', options.executable) ?? 'janus',
    libraryFolder: text('libraryFolder', options.libraryFolder),
    iceInterface: text('iceInterface', options.iceInterface),
    maxPublishers: wholeNumber('sfu.maxPublishers', options.maxPublishers, DEFAULT_SFU_MAX_PUBLISHERS, 1, 1000),
    startTimeoutMs: wholeNumber('sfu.startTimeoutMs', options.startTimeoutMs, 10_000, 100, 60_000),
    requestTimeoutMs: wholeNumber('sfu.requestTimeoutMs', options.requestTimeoutMs, 10_000, 100, 60_000),
  };
}
