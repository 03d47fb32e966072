/**
 * The error codes of the Twirp v7 specification, each with the HTTP status it is sent with.
 */
export const TWIRP_STATUS = {
  canceled: 408,
  unknown: 500,
  invalid_argument: 400,
  malformed: 400,
  deadline_exceeded: 408,
  not_found: 404,
  bad_route: 404,
  already_exists: 409,
  permission_denied: 403,
  unauthenticated: 401,
  resource_exhausted: 429,
  failed_precondition: 412,
  aborted: 409,
  out_of_range: 400,
  unimplemented: 501,
  internal: 500,
  unavailable: 503,
  dataloss: 500,
} as const;

/** A Twirp error code, e.g. `invalid_argument`. */
export type TwirpCode = keyof typeof TWIRP_STATUS;

/** Whether `code` is one of the codes of the Twirp specification. */
export function isTwirpCode(code: unknown): code is TwirpCode {
  return typeof code === 'string' && Object.prototype.hasOwnProperty.call(TWIRP_STATUS, code);
}

/**
 * An error the local coordinator answers with: serialised as Twirp JSON
 * `{"code","msg","meta"}` with the HTTP status of its code.
 *
 * ```ts
 * throw new TwirpError('invalid_argument', 'id is required', { argument: 'id' });
 * ```
 */
export class TwirpError extends Error {
  override name = 'TwirpError';

  constructor(
    readonly code: TwirpCode,
    readonly msg: string,
    readonly meta: Record<string, string> = {},
  ) {
    super(msg);
  }

  /** The HTTP status this error is sent with. */
  get status(): number {
    return TWIRP_STATUS[this.code];
  }

  /** The Twirp JSON body. */
  toJSON(): { code: TwirpCode; msg: string; meta: Record<string, string> } {
    return { code: this.code, msg: this.msg, meta: this.meta };
  }

  /** A missing or empty required field: `invalid_argument` naming it. */
  static missing(field: string): TwirpError {
    return new TwirpError('invalid_argument', `${field} is required`, { argument: field });
  }

  /** An invalid field value: `invalid_argument` naming the field. */
  static invalid(field: string, why: string): TwirpError {
    return new TwirpError('invalid_argument', `${field} ${why}`, { argument: field });
  }
}
