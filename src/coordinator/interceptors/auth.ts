import type { RpcInterceptor, RpcOptions } from '@protobuf-ts/runtime-rpc';
import { notConnected, toStreamVideoError } from '../../errors/errors';
import type { SdkRpcOptions } from '../rpc-session';
import { deferredUnaryCall } from './deferred-unary-call';

/**
 * The auth interceptor: sends the API key and the session's token
 * (`Authorization: Bearer <token>`, `stream-api-key`); when the server answers
 * `token_expired`, gets a new token from the provider once and sends the request again.
 * Without a session (no user connected) the request fails with `not_connected`.
 */
export function authInterceptor(apiKey: string): RpcInterceptor {
  return {
    interceptUnary(next, method, input, options) {
      const session = (options as SdkRpcOptions).session;
      return deferredUnaryCall(method, input, options.meta ?? {}, async () => {
        if (!session) throw notConnected(method.name);
        const stale = await session.tokens.get();
        const first = next(method, input, withAuth(options, apiKey, stale));
        try {
          await first.response;
          return { call: first };
        } catch (caught) {
          const err = toStreamVideoError(caught, method.name);
          if (err.code !== 'token_expired' || !session.tokens.canRefresh || session.signal.aborted) throw err;
          const fresh = await session.tokens.refresh(stale);
          return { call: next(method, input, withAuth(options, apiKey, fresh)) };
        }
      });
    },
  };
}

function withAuth(options: RpcOptions, apiKey: string, token: string): RpcOptions {
  return { ...options, meta: { ...options.meta, authorization: `Bearer ${token}`, 'stream-api-key': apiKey } };
}
