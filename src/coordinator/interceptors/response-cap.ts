import type { RpcInterceptor } from '@protobuf-ts/runtime-rpc';
import { StreamVideoError } from '../../errors/stream-video-error';
import { mapUnaryCallErrors } from './deferred-unary-call';

/**
 * A limit on the bytes of an RPC answer, where the runtime gives the SDK a way to stop a
 * read: for each attempt, options added to the transport's `fetch` (`TwirpFetchTransport`'s
 * `fetchInit`) and, once the attempt failed, whether the limit cut its answer.
 * The Node entry's is undici's `maxResponseSize`; browsers offer none.
 */
export interface ResponseCap {
  /** The largest answer read, in bytes. */
  readonly maxBytes: number;
  /** Starts one attempt. */
  attempt(): ResponseCapAttempt;
}

/** One attempt of a request under a {@link ResponseCap}. */
export interface ResponseCapAttempt {
  /** Options for this attempt's `fetch`, e.g. `{ dispatcher }`. */
  readonly fetchInit: Readonly<Record<string, unknown>>;
  /** Whether the answer of this attempt was cut for passing `maxBytes`. */
  cut(): boolean;
}

/**
 * The response-cap interceptor, innermost of the SDK's policies: each attempt's `fetch` gets
 * the cap's options, and an answer cut for passing `cap.maxBytes` fails with
 * `resource_exhausted` (`meta.limit_bytes`) instead of the transport's read error. It is not
 * retried: the same request would get the same answer.
 */
export function responseCapInterceptor(cap: ResponseCap): RpcInterceptor {
  return {
    interceptUnary(next, method, input, options) {
      const attempt = cap.attempt();
      const fetchInit = { ...(options as { fetchInit?: object }).fetchInit, ...attempt.fetchInit };
      return mapUnaryCallErrors(next(method, input, { ...options, fetchInit }), (err) =>
        attempt.cut()
          ? new StreamVideoError('resource_exhausted', `the answer is larger than maxResponseBytes (${cap.maxBytes})`, {
              method: method.name,
              meta: { limit_bytes: String(cap.maxBytes) },
              cause: err,
            })
          : err,
      );
    },
  };
}
