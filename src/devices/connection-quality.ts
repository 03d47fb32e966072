import type { ConnectionQuality } from '../store/participant-table';

/** What was measured of one participant's connection over one interval; any part may be missing. */
export interface QualitySample {
  /** Packets lost over packets expected in the interval, 0 to 1. */
  loss?: number;
  /** Round-trip time, in ms. */
  rttMs?: number;
  /** Jitter, in ms. */
  jitterMs?: number;
  /** `stalled`: a published track delivered nothing in the interval; `frozen`: its video froze; `limited`: the sender cut its quality (bandwidth, CPU). */
  media?: 'flowing' | 'limited' | 'frozen' | 'stalled';
  /** Whether the peer connections it travels on are connected. */
  connected?: boolean;
}

/** The two limits of one measure of connection quality. */
export interface QualityLimits {
  /** Below it, the measure rates `excellent`. */
  readonly excellent: number;
  /** Below it (and from `excellent` on), `good`; from it, `poor`. */
  readonly good: number;
}

/**
 * The thresholds of {@link ConnectionQuality}: packets lost (a fraction), round trip and
 * jitter (ms). Below `excellent` a measure rates excellent, below `good` good, else poor.
 *
 * ```ts
 * const lossy = lossFraction >= QUALITY_THRESHOLDS.loss.good;
 * ```
 */
export const QUALITY_THRESHOLDS: Readonly<Record<'loss' | 'rttMs' | 'jitterMs', QualityLimits>> = Object.freeze({
  loss: { excellent: 0.02, good: 0.1 },
  rttMs: { excellent: 150, good: 400 },
  jitterMs: { excellent: 30, good: 100 },
});

const RATINGS: readonly ConnectionQuality[] = ['poor', 'good', 'excellent'];

function band(value: number | undefined, limits: QualityLimits): number {
  if (value === undefined || Number.isNaN(value)) return 2;
  return value < limits.excellent ? 2 : value < limits.good ? 1 : 0;
}

/**
 * Rates a sample: each measure is rated against {@link QUALITY_THRESHOLDS} (frozen or limited
 * media at best `good`, stalled media or a connection that is not connected `poor`), and the
 * worst rating wins; `unknown` when nothing was measured.
 */
export function rateConnection(s: QualitySample): ConnectionQuality {
  if (s.loss === undefined && s.rttMs === undefined && s.jitterMs === undefined && s.media === undefined && s.connected === undefined) return 'unknown';
  const media = s.media === 'stalled' ? 0 : s.media === 'frozen' || s.media === 'limited' ? 1 : 2;
  const rating = Math.min(
    band(s.loss, QUALITY_THRESHOLDS.loss),
    band(s.rttMs, QUALITY_THRESHOLDS.rttMs),
    band(s.jitterMs, QUALITY_THRESHOLDS.jitterMs),
    media,
    s.connected === false ? 0 : 2,
  );
  return RATINGS[rating];
}

/** The worse of two ratings; `unknown` (or none yet) yields to a measured one. */
export function worse(a: ConnectionQuality | undefined, b: ConnectionQuality): ConnectionQuality {
  if (a === undefined || a === 'unknown') return b;
  if (b === 'unknown') return a;
  return RATINGS.indexOf(a) < RATINGS.indexOf(b) ? a : b;
}
