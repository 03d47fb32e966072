import type { RpcInterceptor } from '@protobuf-ts/runtime-rpc';
import { StreamVideoError } from '../../errors/stream-video-error';
import type { ResponseCap } from '../response-cap';
import { mapUnaryCallErrors } from './deferred-unary-call';

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
      return mapUnaryCallErrors(next(method, input, { ...options, fetchInit } as typeof options), (err) =>
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
