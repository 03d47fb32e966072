/**
 * The error codes of the Twirp v7 specification, each with the HTTP status it is sent with.
 */
export const TWIRP_STATUS = {
  /** 408: the operation was cancelled; the SDK reports it as `cancelled`. */
  canceled: 408,
  /** 500: an error with no better code. */
  unknown: 500,
  /** 400: an argument is invalid whatever the state (missing, malformed id, unknown call type); `meta.argument` names it. */
  invalid_argument: 400,
  /** 400: the request body could not be decoded (or is too large). */
  malformed: 400,
  /** 408: the deadline passed before the operation completed; the SDK reports it as `timeout`. */
  deadline_exceeded: 408,
  /** 404: no such call, member or session. */
  not_found: 404,
  /** 404: no such method or HTTP verb, or a wrong Content-Type; sent by the router, not by handlers. */
  bad_route: 404,
  /** 409: what the request creates exists already. */
  already_exists: 409,
  /** 403: the user is known but lacks the capability for this action. */
  permission_denied: 403,
  /** 401: a missing, invalid or expired token; `meta.reason` is `token_expired` for an expired one. */
  unauthenticated: 401,
  /** 429: rate-limited or over a quota. */
  resource_exhausted: 429,
  /** 412: the call is not in a state that allows the action (ended, already recording...). */
  failed_precondition: 412,
  /** 409: the operation was aborted, typically by a concurrent change; it may be retried. */
  aborted: 409,
  /** 400: past the valid range, e.g. reading past the end of a paginated collection. */
  out_of_range: 400,
  /** 501: the method exists but has no implementation. */
  unimplemented: 501,
  /** 500: the server failed; handlers' unexpected exceptions become this. */
  internal: 500,
  /** 503: temporarily unable to serve, e.g. no edge server; retrying with backoff may succeed. */
  unavailable: 503,
  /** 500: unrecoverable data loss or corruption. */
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
  /** Always `'TwirpError'`. */
  override name = 'TwirpError';

  /**
   * Creates an error to throw from a handler; the router sends it as the answer.
   * @param code the Twirp code; it sets the HTTP status.
   * @param msg the message, sent as `msg` (and the error's `message`).
   * @param meta string metadata sent with it, e.g. `{ argument: 'id' }` (default `{}`).
   */
  constructor(
    /** The Twirp code, e.g. `not_found`; it sets the HTTP status. */
    readonly code: TwirpCode,
    /** The human-readable message sent as `msg`; the same as `message`. */
    readonly msg: string,
    /** String metadata sent as `meta`, e.g. `{ reason: 'token_expired' }` or `{ argument: 'id' }`. */
    readonly meta: Record<string, string> = {},
  ) {
    super(msg);
  }

  /** The HTTP status this error is sent with. */
  get status(): number {
    return TWIRP_STATUS[this.code];
  }

  /** The Twirp JSON body, `{ code, msg, meta }`. */
  toJSON(): {
    /** The Twirp code. */
    code: TwirpCode;
    /** The message. */
    msg: string;
    /** The metadata, `{}` when none. */
    meta: Record<string, string>;
  } {
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
