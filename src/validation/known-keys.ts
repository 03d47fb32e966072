import { StreamVideoError } from '../errors/stream-video-error';

/**
 * Refuses a key the SDK does not know in an input object, so that nothing is silently
 * dropped: `invalid_argument` naming the key's path in `meta.argument`, and the known key it
 * most likely meant in `meta.suggestion` (`data.members[0].user_id: unknown key; did you mean userId?`).
 * @param method the SDK member, for the error.
 * @param path where `value` is in the arguments, e.g. `data.members[0]`.
 * @param value the input object (its own enumerable keys are checked).
 * @param known the keys the SDK reads there.
 */
export function checkKnownKeys(method: string, path: string, value: object, known: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (known.includes(key)) continue;
    const guess = suggestion(key, known);
    const argument = `${path}.${key}`;
    throw new StreamVideoError('invalid_argument', `${argument}: unknown key${guess ? `; did you mean ${guess}?` : ''} (known: ${known.join(', ')})`, {
      method,
      meta: guess ? { argument, suggestion: guess } : { argument },
    });
  }
}

/** The known key `key` most likely meant: its camelCase form, or one a typo or two away. */
function suggestion(key: string, known: readonly string[]): string | undefined {
  const camel = key.replace(/[_-]+([a-z0-9])/gi, (_m, c: string) => c.toUpperCase());
  if (known.includes(camel)) return camel;
  const lower = key.toLowerCase();
  const insensitive = known.find((k) => k.toLowerCase() === lower || k.toLowerCase() === camel.toLowerCase());
  if (insensitive) return insensitive;
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = distance(lower, k.toLowerCase());
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

/** Levenshtein distance, for short keys. */
function distance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}
