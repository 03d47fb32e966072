import { RpcError, type RpcInterceptor, type RpcMetadata } from '@protobuf-ts/runtime-rpc';
import { StreamVideoError, type StreamVideoErrorCode } from '../../errors/stream-video-error';
import { failedUnaryCall, mapUnaryCallErrors } from './deferred-unary-call';

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
 * HTTP status as Go's Twirp client does; a request that never got an answer is `network`.
 * @param err what the transport or an interceptor rejected with.
 * @param method the RPC method, e.g. `JoinCall`.
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
  const code = toCode(err.code, meta);
  return new StreamVideoError(code, err.message, { method, serverMessage: err.message, meta, cause: err });
}

/**
 * The error-mapping interceptor, outermost of the SDK's policies: every failure of the
 * request, from the transport or another interceptor, rejects as a {@link StreamVideoError}.
 */
export function errorMappingInterceptor(): RpcInterceptor {
  return {
    interceptUnary(next, method, input, options) {
      try {
        return mapUnaryCallErrors(next(method, input, options), (err) => toStreamVideoError(err, method.name));
      } catch (err) {
        return failedUnaryCall(method, input, options.meta ?? {}, toStreamVideoError(err, method.name));
      }
    },
  };
}

function toCode(raw: string, meta: Record<string, string>): StreamVideoErrorCode {
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
