import type { RpcOptions } from '@protobuf-ts/runtime-rpc';
import type { TokenSource } from '../auth/token-manager';

/**
 * What an RPC needs from the user session it belongs to: the user's tokens, and the signal
 * that aborts when the session ends (`disconnectUser`, or the connection closing for good).
 */
export interface RpcSession {
  /** The connected user's token, refreshed through the provider on `token_expired`. */
  readonly tokens: TokenSource;
  /** Aborts when the session ends: requests in flight then fail with `disconnected`. */
  readonly signal: AbortSignal;
}

/**
 * The options the SDK's interceptors read, beside protobuf-ts's own (`abort`, `timeout`, `meta`).
 * @internal
 */
export interface SdkRpcOptions extends RpcOptions {
  /** Whether the request may be sent again after a failure. */
  idempotent?: boolean;
  /** The user session the request belongs to; none means no user is connected. */
  session?: RpcSession;
}
