import { RpcError, type RpcMetadata } from '@protobuf-ts/runtime-rpc';
import { StreamVideoError, type StreamVideoErrorCode } from './stream-video-error';

/*
 * Every error the SDK makes, by name: the translators of what was caught (an RPC failure, a
 * server's error frame) and the errors the SDK raises in more than one place. A module that
 * needs one of these calls the constructor here instead of spelling the code and the message
 * again. `StreamVideoError.from` (anything caught) and `StreamVideoError.invalidArgument` stay
 * on the class as its public constructors.
 */

// ---------------------------------------------------------------------------------------------
// Translators

/** Twirp's error codes that the SDK uses under the same name. */
const TWIRP_CODES: ReadonlySet<string> = new Set<StreamVideoErrorCode>([
  'unknown',
  'invalid_argument',
  'malformed',
  'not_found',
  'bad_route',
  'already_exists',
  'permission_denied',
  'unauthenticated',
  'resource_exhausted',
  'failed_precondition',
  'aborted',
  'out_of_range',
  'unimplemented',
  'internal',
  'unavailable',
  'dataloss',
]);

/** Twirp codes whose name differs from the SDK's. */
const TWIRP_ALIASES: Readonly<Record<string, StreamVideoErrorCode>> = { canceled: 'cancelled', deadline_exceeded: 'timeout' };

/**
 * The code of an error answer that is not Twirp JSON (a proxy's or load balancer's page), by
 * HTTP status, as Go's Twirp client maps it (`twirpErrorFromIntermediary`); any other status
 * is `unknown`, a redirect `internal`.
 * @param status the HTTP status of the answer.
 * @returns the SDK's code for it.
 *
 * ```ts
 * codeOfIntermediaryStatus(503); // 'unavailable'
 * ```
 */
export function codeOfIntermediaryStatus(status: number): StreamVideoErrorCode {
  if (status >= 300 && status < 400) return 'internal';
  switch (status) {
    case 400:
      return 'internal';
    case 401:
      return 'unauthenticated';
    case 403:
      return 'permission_denied';
    case 404:
      return 'bad_route';
    case 429:
    case 502:
    case 503:
    case 504:
      return 'unavailable';
    default:
      return 'unknown';
  }
}

/**
 * `TwirpFetchTransport` reports an error answer whose body is not JSON as code `internal` and
 * keeps its HTTP status only in this message; the status is read back from it. (A JSON body
 * that is not a Twirp error loses the status in the transport: it stays `internal`.)
 */
const NON_JSON_ANSWER = /^received HTTP (\d{3}), unable to read response body as json$/;

/**
 * Turns anything an RPC can fail with into a {@link StreamVideoError}: a Twirp error answer
 * keeps its code (`unauthenticated` with `meta.reason = "token_expired"` becomes
 * `token_expired`), its `msg` as `serverMessage` and its `meta`; a non-Twirp answer maps by
 * HTTP status as Go's Twirp client does; a request that never got an answer is `network`;
 * anything else as {@link StreamVideoError.from} turns it.
 * @param err what the transport or an interceptor rejected with.
 * @param method the RPC method, e.g. `JoinCall`.
 * @returns `err` itself when it is a `StreamVideoError`, else a new one with `err` as its cause.
 *
 * ```ts
 * try { await transportCall; } catch (err) { throw toStreamVideoError(err, 'JoinCall'); }
 * ```
 */
export function toStreamVideoError(err: unknown, method: string): StreamVideoError {
  if (err instanceof StreamVideoError) return err;
  if (!(err instanceof RpcError)) return StreamVideoError.from(err, method);
  const meta = stringMeta(err.meta);
  const status = NON_JSON_ANSWER.exec(err.message);
  if (err.code === 'internal' && status) {
    const code = codeOfIntermediaryStatus(Number(status[1]));
    return new StreamVideoError(code, `HTTP ${status[1]} from an intermediary (not a Twirp answer)`, {
      method,
      meta: { http_error_from_intermediary: 'true', status_code: status[1] },
      cause: err,
    });
  }
  // protobuf-ts's transport uses its default code UNKNOWN (upper case, never a Twirp code) for a
  // request that got no HTTP answer: refused, reset, DNS, offline.
  if (err.code === 'UNKNOWN') return new StreamVideoError('network', `the request failed: ${err.message}`, { method, cause: err });
  return new StreamVideoError(twirpCode(err.code, meta), err.message, { method, serverMessage: err.message, meta, cause: err });
}

/**
 * @internal The error a server's `ConnectionError` frame announces, for the close that follows.
 * @param code the frame's code, e.g. `token_expired`, `frame_too_large`.
 * @param message the server's message.
 * @param url the WebSocket URL of the connection.
 */
export function fromErrorFrame(code: string, message: string, url: string): StreamVideoError {
  return connectionError(errorFrameCode(code), message, url, { serverMessage: message, meta: { reason: code } });
}

function errorFrameCode(code: string): StreamVideoErrorCode {
  if (code === 'unauthenticated' || code === 'token_expired') return code;
  if (code === 'auth_timeout') return 'timeout';
  if (code === 'invalid_frame') return 'malformed';
  // Sending the same frame again would be refused again: the input that made it large must change.
  if (code === 'frame_too_large') return 'invalid_argument';
  return 'internal';
}

function twirpCode(raw: string, meta: Record<string, string>): StreamVideoErrorCode {
  const code = raw.toLowerCase();
  if (code === 'unauthenticated' && meta['reason'] === 'token_expired') return 'token_expired';
  if (code in TWIRP_ALIASES) return TWIRP_ALIASES[code];
  if (TWIRP_CODES.has(code)) return code as StreamVideoErrorCode;
  return 'unknown';
}

function stringMeta(meta: RpcMetadata): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(meta ?? {})) {
    if (typeof v === 'string') out[k] = v;
    else if (Array.isArray(v) && typeof v[0] === 'string') out[k] = v[0];
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// The user session

/** @internal `disconnected`: the user session ended (`disconnectUser`, or the connection closed for good) while `method` was pending. */
export function sessionEnded(method: string | undefined): StreamVideoError {
  return new StreamVideoError('disconnected', 'the user session ended', { method });
}

/** @internal `not_connected`: `method` needs a connected user, and none is. */
export function notConnected(method: string): StreamVideoError {
  return new StreamVideoError('not_connected', 'connectUser must be called first', { method });
}

/** @internal `already_connected`: `connectUser` while a user is connected or connecting. */
export function alreadyConnected(method: string): StreamVideoError {
  return new StreamVideoError('already_connected', 'a user is connected: call disconnectUser first', { method });
}

/** @internal `cancelled`: the caller aborted `method` through its `AbortSignal`. */
export function requestCancelled(method: string): StreamVideoError {
  return new StreamVideoError('cancelled', 'the request was aborted', { method });
}

/** @internal `failed_precondition`: the call was left (or ended) before `method`. */
export function callLeft(method: string): StreamVideoError {
  return new StreamVideoError('failed_precondition', 'the call was left', { method });
}

// ---------------------------------------------------------------------------------------------
// The real-time connection: every error names the URL it tried (`meta.url`), never a token.

/**
 * @internal The WebSocket URL as errors name it: scheme, host and path, without credentials, query or
 * fragment (nothing there is the SDK's, but an app might put a secret there).
 */
export function printableUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}${u.pathname}`;
  } catch {
    return url
      .split(/[?#]/)[0]
      .replace(/\/\/[^/@]*@/, '//')
      .slice(0, 200);
  }
}

/** @internal An error of the real-time connection to `url`: `meta.url` names it, as does the message. */
export function connectionError(
  code: StreamVideoErrorCode,
  message: string,
  url: string,
  init: { serverMessage?: string; meta?: Readonly<Record<string, string>>; cause?: unknown } = {},
): StreamVideoError {
  const printable = printableUrl(url);
  return new StreamVideoError(code, `${message} (${printable})`, { ...init, method: 'connect', meta: { ...init.meta, url: printable } });
}

/** @internal `invalid_argument`: no WebSocket can be made for `url`. */
export function badWebSocketUrl(url: string, cause: unknown): StreamVideoError {
  return connectionError('invalid_argument', 'the WebSocket URL is not valid', url, { cause, meta: { argument: 'wsUrl' } });
}

/** @internal `network`: the socket failed below the protocol (refused, reset, unreachable). */
export function socketFailed(url: string): StreamVideoError {
  return connectionError('network', 'the WebSocket failed', url);
}

/** @internal `timeout`: the handshake (open, auth, resume) took longer than `ms`. */
export function handshakeTimeout(url: string, ms: number): StreamVideoError {
  return connectionError('timeout', `no handshake within ${ms} ms`, url);
}

/** @internal `timeout`: the server sent nothing for `ms`. */
export function serverSilent(url: string, ms: number): StreamVideoError {
  return connectionError('timeout', `the server was silent for over ${ms} ms`, url);
}

/** @internal `timeout`: `connect()` did not get a live socket within `ms`; `cause` is why the last attempt failed. */
export function connectTimeout(url: string, ms: number, cause: StreamVideoError | undefined): StreamVideoError {
  return connectionError('timeout', `could not connect within ${ms} ms`, url, { cause });
}

/** @internal `unauthenticated`: the server refused the credentials, with no error frame saying why. */
export function credentialsRefused(url: string): StreamVideoError {
  return connectionError('unauthenticated', 'the server refused the credentials', url);
}

/** @internal `invalid_argument`: a frame was over the server's size limit (close 4006). */
export function frameTooLarge(url: string): StreamVideoError {
  return connectionError('invalid_argument', "a frame was over the server's size limit", url, { meta: { reason: 'frame_too_large' } });
}

/** @internal `token_expired`: the token expired, and no provider gives a fresh one. */
export function tokenExpired(url: string, canRefresh: boolean): StreamVideoError {
  return connectionError('token_expired', canRefresh ? 'the token provider returns expired tokens' : 'the token expired and there is no token provider', url);
}

/**
 * @internal The reconnect policy gave up: the last attempt's error when it names the URL
 * (a socket's or the server's), else one of the same code that does (a token provider's
 * failure), else `network`.
 */
export function gaveUp(url: string, last: StreamVideoError | undefined): StreamVideoError {
  if (last?.meta['url'] !== undefined) return last;
  return connectionError(last?.code ?? 'network', 'gave up reconnecting', url, { cause: last });
}

/**
 * Why a frame from the server was dropped: `not_binary` (a text frame), `undecodable` (not a
 * `ServerFrame`, or nested too deep to decode), `unknown_frame` (a frame of a kind this SDK does
 * not know), `unknown_event` (an event of a kind this SDK does not know; its sequence number
 * is taken), `unreadable_event` (an event whose payload cannot be read, e.g. custom data
 * JSON cannot hold).
 */
export type DroppedFrameReason = 'not_binary' | 'undecodable' | 'unknown_frame' | 'unknown_event' | 'unreadable_event';

/** @internal `malformed`: a frame from the server was dropped; `meta.reason` says why, `meta.seq` which event when known. */
export function droppedFrame(url: string, reason: DroppedFrameReason, seq: number | undefined, cause?: unknown): StreamVideoError {
  const meta: Record<string, string> = seq === undefined ? { reason } : { reason, seq: String(seq) };
  return connectionError('malformed', `dropped a frame from the server (${reason})`, url, { meta, cause });
}

/** @internal `disconnected`: the connection was closed by `disconnectUser`; `method` was pending. */
export function connectionClosed(method: string): StreamVideoError {
  return new StreamVideoError('disconnected', 'the connection was closed', { method });
}

/** @internal `timeout`: the connection did not come back within `ms` for `method`. */
export function notReconnected(method: string, ms: number): StreamVideoError {
  return new StreamVideoError('timeout', `not reconnected within ${ms} ms`, { method });
}
