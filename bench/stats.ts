/**
 * Small statistics for the benchmarks: median and spread of samples, and a helper that warms
 * up and repeats a measurement. Every figure of the run is a ratio against a raw baseline
 * measured in the same run (the machine is shared and noisy), so the helpers here work on
 * plain numbers and leave the ratio to each benchmark.
 */

/** Median, quartiles and range of a set of samples. */
export interface Summary {
  median: number;
  min: number;
  max: number;
  q1: number;
  q3: number;
  n: number;
}

/** The value at quantile `q` (0..1) of sorted `xs`, linearly interpolated. */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

export function summarize(samples: readonly number[]): Summary {
  const s = [...samples].sort((a, b) => a - b);
  return { median: quantile(s, 0.5), min: s[0] ?? Number.NaN, max: s[s.length - 1] ?? Number.NaN, q1: quantile(s, 0.25), q3: quantile(s, 0.75), n: s.length };
}

/** Runs `once` `warmup` times (results dropped), then `samples` times; returns the kept results. */
export async function repeat<T>(once: (i: number) => Promise<T>, opts: { warmup: number; samples: number }): Promise<T[]> {
  for (let i = 0; i < opts.warmup; i++) await once(-1 - i);
  const out: T[] = [];
  for (let i = 0; i < opts.samples; i++) out.push(await once(i));
  return out;
}

/** Formats a number with `digits` significant decimals. */
export function fmt(x: number, digits = 2): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toFixed(digits);
}

/** `median (min–max, n=…)`. */
export function fmtSummary(s: Summary, digits = 2, unit = ''): string {
  return `${fmt(s.median, digits)}${unit} (${fmt(s.min, digits)}–${fmt(s.max, digits)}, n=${s.n})`;
}

/** Milliseconds since an arbitrary origin, sub-millisecond. */
export function now(): number {
  return performance.now();
}

/** Resolves after the current I/O has had a turn. */
export function tick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Rejects after `ms` unless `promise` settles first; the timer never outlives it. */
export function bounded<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`benchmark step timed out after ${ms} ms: ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** One line of the results table. */
export interface Row {
  /** What is measured, with its unit. */
  figure: string;
  /** The figure's median and spread, as text. */
  value: string;
  /** The goal, as text (e.g. `≥ 0.7`). */
  goal: string;
  /** Whether the goal holds; `null` for context rows without a goal. */
  holds: boolean | null;
  /** The raw numbers behind the row, for results.json. */
  data?: Record<string, unknown>;
  /** `false` for a row the README shows elsewhere (the bundle sizes: its Size section). */
  readme?: false;
}
