import type { MethodInfo } from '@protobuf-ts/runtime-rpc';
import { StreamVideoError } from '../errors';

/**
 * Sends one RPC and resolves with the decoded response. Implementations must reject with a
 * `StreamVideoError` for an answer that is an error (the Twirp code as `code`, its `msg` as
 * `serverMessage`, its `meta`), with code `network` when the request never got an HTTP
 * answer, and must stop when `signal` aborts (rejecting with anything: the caller knows why
 * it aborted).
 *
 * ```ts
 * const transport = twirpTransport('http://127.0.0.1:3030/twirp');
 * const out = await transport(CoordinatorService.methods[0], input, { headers, signal });
 * ```
 */
export type CoordinatorTransport = (method: MethodInfo, input: object, init: { headers: Record<string, string>; signal: AbortSignal }) => Promise<object>;

/**
 * The Twirp v7 client protocol over `fetch`, built on the generated method descriptors:
 * `POST <twirpUrl>/<package>.<Service>/<Method>` with a binary protobuf body, errors read
 * from Twirp's JSON `{code,msg,meta}`.
 * @param twirpUrl the Twirp prefix URL, e.g. `https://video.example.com/twirp`.
 */
export function twirpTransport(twirpUrl: string): CoordinatorTransport {
  return async (method, input, { headers, signal }) => {
    const res = await fetch(`${twirpUrl}/${method.service.typeName}/${method.name}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/protobuf' },
      body: method.I.toBinary(input) as BodyInit,
      signal,
    }).catch((err: unknown) => {
      if (signal.aborted) throw err;
      throw new StreamVideoError('network', `the request failed: ${(err as Error)?.message ?? err}`, { method: method.name, cause: err });
    });
    if (!res.ok) throw StreamVideoError.fromTwirp(await res.json().catch(() => undefined), res.status, method.name);
    try {
      return method.O.fromBinary(new Uint8Array(await res.arrayBuffer()));
    } catch (err) {
      if (signal.aborted) throw err;
      throw new StreamVideoError('dataloss', `the response could not be decoded as ${method.O.typeName}`, { method: method.name, cause: err });
    }
  };
}
