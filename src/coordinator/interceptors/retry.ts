import type { RpcInterceptor } from '@protobuf-ts/runtime-rpc';
import { isTokenProviderFailure } from '../../auth/token-manager';
import type { Logger } from '../../config/logger';
import { requestCancelled, sessionEnded, toStreamVideoError } from '../../errors/errors';
import type { StreamVideoError } from '../../errors/stream-video-error';
import { IDEMPOTENT_RPCS, type RetryPolicy } from '../retry-policy';
import type { SdkRpcOptions } from '../rpc-session';
import { deferredUnaryCall } from './deferred-unary-call';

/**
 * The retry interceptor: an idempotent request (by {@link IDEMPOTENT_RPCS}, or the call's
 * `idempotent` option) that fails with a retryable code (`unavailable`, `network`,
 * `timeout`) is sent again after a backoff with full jitter, up to `policy.maxAttempts`
 * attempts. A failure of the token provider (it timed out or failed while the auth interceptor
 * refreshed an expired token) is not retried: the request fails once, within the provider's
 * bound, instead of waiting on the provider again for every attempt. Waiting stops at once
 * when the call is aborted (`cancelled`) or its session ends (`disconnected`).
 */
export function retryInterceptor(policy: RetryPolicy, logger: Logger): RpcInterceptor {
  return {
    interceptUnary(next, method, input, options) {
      const opts = options as SdkRpcOptions;
      if (!(opts.idempotent ?? IDEMPOTENT_RPCS.has(method.localName)) || policy.maxAttempts <= 1) return next(method, input, options);
      return deferredUnaryCall(method, input, options.meta ?? {}, async () => {
        for (let attempt = 1; ; attempt++) {
          const call = next(method, input, options);
          try {
            await call.response;
            return { call };
          } catch (caught) {
            const err = toStreamVideoError(caught, method.name);
            if (!err.retryable || isTokenProviderFailure(err) || attempt >= policy.maxAttempts || options.abort?.aborted || opts.session?.signal.aborted)
              throw err;
            const delay = Math.floor(Math.random() * Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1)));
            logger('debug', `retrying ${method.name} after ${err.code}`, { attempt, delay });
            await sleep(delay, method.name, options.abort, opts.session?.signal);
          }
        }
      });
    },
  };
}

/** Waits `ms`; rejects with `cancelled` when `abort` fires, `disconnected` when `session` does. */
function sleep(ms: number, method: string, abort: AbortSignal | undefined, session: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = (err?: StreamVideoError) => {
      clearTimeout(timer);
      abort?.removeEventListener('abort', onCancel);
      session?.removeEventListener('abort', onEnd);
      if (err) reject(err);
      else resolve();
    };
    const onCancel = () => done(requestCancelled(method));
    const onEnd = () => done(sessionEnded(method));
    const timer = setTimeout(() => done(), ms);
    abort?.addEventListener('abort', onCancel);
    session?.addEventListener('abort', onEnd);
  });
}
