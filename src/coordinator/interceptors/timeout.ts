import type { RpcInterceptor } from '@protobuf-ts/runtime-rpc';
import { StreamVideoError } from '../../errors/stream-video-error';
import { mapUnaryCallErrors } from './deferred-unary-call';

/**
 * The timeout interceptor: each attempt of a request gets `timeoutMs` (or the call's
 * `timeout` option, in ms); past it the request is aborted and fails with `timeout`.
 * (protobuf-ts's Twirp transport reads `abort` only, not `timeout`, so the bound is kept here.)
 */
export function timeoutInterceptor(timeoutMs: number): RpcInterceptor {
  return {
    interceptUnary(next, method, input, options) {
      const ms = typeof options.timeout === 'number' ? options.timeout : timeoutMs;
      const controller = new AbortController();
      let timedOut = false;
      const forward = () => controller.abort();
      if (options.abort?.aborted) controller.abort();
      options.abort?.addEventListener('abort', forward);
      const timer = setTimeout(() => {
        timedOut = true;
        controller.abort();
      }, ms);
      const settle = () => {
        clearTimeout(timer);
        options.abort?.removeEventListener('abort', forward);
      };
      const call = mapUnaryCallErrors(next(method, input, { ...options, abort: controller.signal }), (err) =>
        timedOut ? new StreamVideoError('timeout', `no answer within ${ms} ms`, { method: method.name, cause: err }) : err,
      );
      call.response.then(settle, settle);
      return call;
    },
  };
}
