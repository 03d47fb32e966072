import type { PartialMessage } from '@protobuf-ts/runtime';
import type { MethodInfo, RpcInterceptor, RpcTransport } from '@protobuf-ts/runtime-rpc';
import { TwirpFetchTransport } from '@protobuf-ts/twirp-transport';
import { CoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { CoordinatorServiceClient, type ICoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import type { Logger } from '../config/logger';
import { abortOnDisconnectInterceptor } from './interceptors/abort-on-disconnect';
import { authInterceptor } from './interceptors/auth';
import { errorMappingInterceptor } from './interceptors/error-mapping';
import { retryInterceptor } from './interceptors/retry';
import { timeoutInterceptor } from './interceptors/timeout';
import type { RetryPolicy } from './retry-policy';
import type { RpcSession, SdkRpcOptions } from './rpc-session';

type Generated = ICoordinatorServiceClient;
/** An RPC by its local name, e.g. `joinCall`. */
export type RpcName = keyof ICoordinatorServiceClient;
/** The request message of an RPC, e.g. `RpcInput<'joinCall'>` is `JoinCallRequest`. */
export type RpcInput<K extends RpcName> = Parameters<Generated[K]>[0];
/** The response message of an RPC, e.g. `RpcOutput<'joinCall'>` is `JoinCallResponse`. */
export type RpcOutput<K extends RpcName> = Awaited<ReturnType<Generated[K]>['response']>;

/** Per-call options of the {@link StreamCoordinatorClient}'s methods. */
export interface RpcCallOptions {
  /** Whether the request may be sent again after a failure (default: per method; see `IDEMPOTENT_RPCS`). */
  idempotent?: boolean;
  /** Aborts the request; it then rejects with `cancelled`. */
  signal?: AbortSignal;
  /** This request's time per attempt, in ms (default: the client's `timeouts.rpcMs`). */
  timeoutMs?: number;
  /**
   * @internal The user session the request belongs to (default: the current one), so that
   * a flow of several requests started before a disconnect fails with `disconnected` throughout.
   */
  session?: RpcSession;
}

/**
 * The coordinator's RPCs, one method each, named and documented as the generated
 * `ICoordinatorServiceClient` (from the schema's comments); each takes the request's fields
 * (the others keep their defaults) and resolves with the response message.
 */
export type CoordinatorRpcs = {
  [K in keyof ICoordinatorServiceClient]: Rpc<RpcInput<K>, RpcOutput<K>>;
};

/**
 * One RPC of {@link StreamCoordinatorClient}: sends the request through the SDK's
 * interceptors and resolves with the response message, or rejects with a `StreamVideoError`.
 * The request's fields left out keep their defaults; `options` adds idempotence, an abort
 * signal and a timeout.
 *
 * ```ts
 * const { calls } = await client.coordinatorClient.queryCalls({ limit: 10 }, { timeoutMs: 2000 });
 * ```
 */
export type Rpc<I extends object, O extends object> = (input: PartialMessage<I>, options?: RpcCallOptions) => Promise<O>;

/** Options of {@link StreamCoordinatorClient}. */
export interface StreamCoordinatorClientOptions {
  /** The Twirp prefix URL, e.g. `https://video.example.com/twirp`. */
  twirpUrl: string;
  /** The API key, sent as `stream-api-key`. */
  apiKey: string;
  /** Time for one attempt, in ms. */
  timeoutMs: number;
  /** Retries of idempotent requests. */
  retry: RetryPolicy;
  /** Where retries are logged (at `debug`). */
  logger: Logger;
  /** Send Twirp's JSON instead of binary protobuf (readable in a browser's network panel); default false. */
  sendJson?: boolean;
  /** Where requests go (default: `TwirpFetchTransport` to `twirpUrl`). The SDK's interceptors apply to any transport. */
  transport?: RpcTransport;
  /** The interceptor that caps answers' bytes, innermost (default: none; the Node entry has one). */
  responseCap?: RpcInterceptor;
}

// Interface merging: the class has one method per RPC of CoordinatorRpcs, added in its constructor.
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the constructor adds the methods the interface declares
export interface StreamCoordinatorClient extends CoordinatorRpcs {}

/**
 * The coordinator's API: the generated `CoordinatorServiceClient` over a Twirp transport,
 * with the SDK's policies as protobuf-ts `RpcInterceptor`s. They wrap each request in this
 * order, outermost first: error mapping (every failure becomes a `StreamVideoError`), retry
 * of idempotent methods with backoff, auth headers with one token refresh on
 * `token_expired`, a timeout per attempt, abort when the user session ends.
 *
 * Requests fail with `not_connected` until `connectUser` starts a user session.
 *
 * ```ts
 * const { call } = await client.coordinatorClient.getOrCreateCall({ type: 'default', id: 'standup' });
 * const { calls } = await client.coordinatorClient.queryCalls({ limit: 10 });
 * ```
 */
// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the other half of the merge above
export class StreamCoordinatorClient {
  /** The transport requests go through: `TwirpFetchTransport` unless one was passed in the options. */
  readonly transport: RpcTransport;
  /** The SDK's interceptors, outermost first; they are added to every request. */
  readonly interceptors: readonly RpcInterceptor[];
  private readonly client: CoordinatorServiceClient;
  private session: RpcSession | undefined;

  /**
   * @internal Made by `StreamVideoClient` (`client.coordinatorClient`).
   * @param options the Twirp URL, API key, per-attempt timeout, retry policy, logger, format, transport and response cap.
   */
  constructor(options: StreamCoordinatorClientOptions) {
    this.transport =
      options.transport ??
      new TwirpFetchTransport({ baseUrl: options.twirpUrl, sendJson: options.sendJson ?? false, jsonOptions: { ignoreUnknownFields: true } });
    this.interceptors = Object.freeze([
      errorMappingInterceptor(),
      retryInterceptor(options.retry, options.logger),
      authInterceptor(options.apiKey),
      timeoutInterceptor(options.timeoutMs),
      abortOnDisconnectInterceptor(),
      ...(options.responseCap ? [options.responseCap] : []),
    ]);
    this.client = new CoordinatorServiceClient(this.transport);
    for (const method of CoordinatorService.methods) {
      Object.defineProperty(this, method.localName, {
        value: (input: object, opts?: RpcCallOptions) => this.invoke(method, input, opts),
        enumerable: false,
      });
    }
  }

  /** @internal Binds requests to a user session (its tokens and end signal), or to none. */
  bind(session: RpcSession | undefined): void {
    this.session = session;
  }

  private invoke(method: MethodInfo, input: object, options: RpcCallOptions = {}): Promise<object> {
    const rpcOptions: SdkRpcOptions = {
      interceptors: [...this.interceptors],
      abort: options.signal,
      timeout: options.timeoutMs,
      idempotent: options.idempotent,
      session: options.session ?? this.session,
    };
    const generated = this.client as unknown as Record<string, (i: object, o: SdkRpcOptions) => { response: Promise<object> }>;
    return generated[method.localName].call(this.client, method.I.create(input as never), rpcOptions).response;
  }
}
