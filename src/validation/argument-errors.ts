import { StreamVideoError } from '../errors/stream-video-error';

/** What a value is, as an argument error names it: `null`, `array`, or its `typeof`. */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * `invalid_argument` for a value of the wrong type, raised before any request:
 * `meta.argument` names it, `meta.reason` is `type`, `meta.expected` the type wanted
 * (`string`, `object`, `array`, `integer`) and `meta.received` the one given ({@link kindOf}).
 *
 * ```ts
 * throw wrongType('connectUser', 'user.id', 'string', 42); // "connectUser: user.id must be a string, got number"
 * ```
 */
export function wrongType(method: string, argument: string, expected: string, value: unknown): StreamVideoError {
  const received = kindOf(value);
  const article = /^[aeiou]/.test(expected) ? 'an' : 'a';
  return new StreamVideoError('invalid_argument', `${argument} must be ${article} ${expected}, got ${received}`, {
    method,
    meta: { argument, reason: 'type', expected, received },
  });
}

/**
 * `invalid_argument` for a value of the right type that is not allowed, raised before any
 * request: `meta.argument` names it and `meta.reason` says what is wrong (`format`, `empty`,
 * `too_long`, `out_of_range`, `unknown_value`).
 */
export function badValue(method: string, argument: string, reason: string, why: string): StreamVideoError {
  return new StreamVideoError('invalid_argument', `${argument} ${why}`, { method, meta: { argument, reason } });
}
