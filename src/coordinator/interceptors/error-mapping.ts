import type { RpcInterceptor } from '@protobuf-ts/runtime-rpc';
import { toStreamVideoError } from '../../errors/errors';
import { failedUnaryCall, mapUnaryCallErrors } from './deferred-unary-call';

/**
 * The error-mapping interceptor, outermost of the SDK's policies: every failure of the
 * request, from the transport or another interceptor, rejects as a `StreamVideoError`
 * (`toStreamVideoError`).
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
