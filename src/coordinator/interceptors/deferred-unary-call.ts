import { UnaryCall, type MethodInfo, type RpcMetadata } from '@protobuf-ts/runtime-rpc';

/**
 * The call an asynchronous step ends with, boxed: a `UnaryCall` is itself a thenable, so an
 * async function that returned it would resolve with its outcome instead.
 */
export interface CallBox<I extends object, O extends object> {
  readonly call: UnaryCall<I, O>;
}

/**
 * A `UnaryCall` whose outcome is that of the call `run` resolves with: for interceptors that
 * must do something asynchronous (load a token, wait out a backoff) before or after calling
 * the next one. When `run` rejects, every part of the call rejects with its error. Parts no
 * one awaits never report an unhandled rejection, as protobuf-ts's own calls do.
 */
export function deferredUnaryCall<I extends object, O extends object>(
  method: MethodInfo<I, O>,
  input: I,
  meta: RpcMetadata,
  run: () => Promise<CallBox<I, O>>,
): UnaryCall<I, O> {
  const box = run();
  return new UnaryCall(
    method,
    meta,
    input,
    quiet(box.then((b) => b.call.headers)),
    quiet(box.then((b) => b.call.response)),
    quiet(box.then((b) => b.call.status)),
    quiet(box.then((b) => b.call.trailers)),
  );
}

/** A `UnaryCall` with each part passed through `map` (rejections only). */
export function mapUnaryCallErrors<I extends object, O extends object>(call: UnaryCall<I, O>, map: (err: unknown) => unknown): UnaryCall<I, O> {
  const fail = (err: unknown): never => {
    throw map(err);
  };
  return new UnaryCall(
    call.method,
    call.requestHeaders,
    call.request,
    quiet(call.headers.catch(fail)),
    quiet(call.response.catch(fail)),
    quiet(call.status.catch(fail)),
    quiet(call.trailers.catch(fail)),
  );
}

/** A call that failed before it could be sent. */
export function failedUnaryCall<I extends object, O extends object>(method: MethodInfo<I, O>, input: I, meta: RpcMetadata, err: Error): UnaryCall<I, O> {
  return deferredUnaryCall(method, input, meta, () => Promise.reject(err));
}

function quiet<T>(promise: Promise<T>): Promise<T> {
  promise.catch(() => {});
  return promise;
}
