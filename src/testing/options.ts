/** The longest delay `setTimeout` keeps (2^31 - 1 ms); longer ones fire at once. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/** One hour, in ms: the upper bound of the local coordinator's intervals and time limits. */
export const ONE_HOUR_MS = 3_600_000;

/**
 * `value` when it is a whole number in `[min, max]`, `fallback` when it is undefined; else a
 * `RangeError` that names `option`.
 */
export function wholeNumber(option: string, value: number | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${option} must be a whole number from ${min} to ${max}, got ${String(value)}`);
  }
  return value;
}
