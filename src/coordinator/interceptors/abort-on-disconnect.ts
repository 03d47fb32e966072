import type { RpcInterceptor } from '@protobuf-ts/runtime-rpc';
import { sessionEnded } from '../../errors/errors';
import type { SdkRpcOptions } from '../rpc-session';
import { failedUnaryCall, mapUnaryCallErrors } from './deferred-unary-call';

/**
 * The abort-on-disconnect interceptor, innermost of the SDK's policies: when the request's
 * user session ends (`disconnectUser`, or the connection closing for good) the request is
 * aborted and fails with `disconnected`, even when another user connects meanwhile.
 */
export function abortOnDisconnectInterceptor(): RpcInterceptor {
  return {
    interceptUnary(next, method, input, options) {
      const session = (options as SdkRpcOptions).session?.signal;
      if (!session) return next(method, input, options);
      const ended = () => sessionEnded(method.name);
      if (session.aborted) return failedUnaryCall(method, input, options.meta ?? {}, ended());
      const controller = new AbortController();
      let disconnected = false;
      const onEnd = () => {
        disconnected = true;
        controller.abort();
      };
      const forward = () => controller.abort();
      if (options.abort?.aborted) controller.abort();
      session.addEventListener('abort', onEnd);
      options.abort?.addEventListener('abort', forward);
      const settle = () => {
        session.removeEventListener('abort', onEnd);
        options.abort?.removeEventListener('abort', forward);
      };
      const call = mapUnaryCallErrors(next(method, input, { ...options, abort: controller.signal }), (err) => (disconnected ? ended() : err));
      call.response.then(settle, settle);
      return call;
    },
  };
}
