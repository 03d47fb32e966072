import type { PartialMessage } from '@protobuf-ts/runtime';
import type { MethodInfo } from '@protobuf-ts/runtime-rpc';
import { CoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import { StreamVideoError } from '../errors';
import type { Logger } from '../logger';
import type { TokenManager } from './token-manager';
import { twirpTransport, type CoordinatorTransport } from './twirp-transport';

/** How failed RPCs are retried. Only idempotent requests are retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 3). */
  maxAttempts: number;
  /** First backoff step, in ms (default 100); full jitter, doubling each attempt. */
  baseDelayMs: number;
  /** Largest backoff, in ms (default 2,000). */
  maxDelayMs: number;
}

/** The default {@link RetryPolicy}. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2000 });

type Client = CoordinatorServiceClient;
/** An RPC by its local name, e.g. `joinCall`. */
export type RpcName = { [K in keyof Client]: Client[K] extends (input: any, options?: any) => any ? K : never }[keyof Client] & string;
/** The request message of an RPC. */
export type RpcInput<K extends RpcName> = Parameters<Client[K]>[0];
/** The response message of an RPC. */
export type RpcOutput<K extends RpcName> = Awaited<ReturnType<Client[K]>['response']>;

/** Options of {@link StreamCoordinatorClient}. */
export interface StreamCoordinatorClientOptions {
  /** The Twirp prefix URL, e.g. `https://video.example.com/twirp`. */
  twirpUrl: string;
  apiKey: string;
  /** Time for one attempt, in ms. */
  timeoutMs: number;
  retry: RetryPolicy;
  logger: Logger;
  /** Where requests go (default: Twirp over `fetch` to `twirpUrl`). */
  transport?: CoordinatorTransport;
}

/** Per-call options of {@link StreamCoordinatorClient.call}. */
export interface RpcCallOptions {
  /** Whether the request may be sent again after a failure (default: per method). */
  idempotent?: boolean;
  /** Aborts the call; the promise rejects with `cancelled`. */
  signal?: AbortSignal;
  /**
   * @internal The user session the call belongs to (default: the current one), so that a
   * flow of several calls started before a disconnect fails with `disconnected` throughout.
   */
  session?: AbortSignal;
}

/** RPCs that are safe to send again: the server makes a repeat change nothing. */
const IDEMPOTENT: ReadonlySet<RpcName> = new Set<RpcName>([
  'getOrCreateCall', 'getEdges', 'getCallEdgeServer', 'joinCall', 'leaveCall', 'endCall', 'queryCalls', 'queryMembers',
]);

/**
 * The coordinator's Twirp API with the SDK's policies: the auth headers, a new token when
 * the server says it expired, a timeout per attempt, retries of idempotent requests with
 * backoff, and every failure turned into a {@link StreamVideoError}.
 *
 * Order of what wraps a request: validation, then token, then timeout and abort, then
 * transport; errors are mapped at the transport edge and retried above it.
 *
 * ```ts
 * const { call } = await client.coordinatorClient.call('getOrCreateCall', { type: 'default', id: 'abc' });
 * ```
 */
export class StreamCoordinatorClient {
  /** The transport requests go through (by default Twirp over `fetch`). */
  readonly transport: CoordinatorTransport;
  private readonly methods = new Map<string, MethodInfo>(CoordinatorService.methods.map((m) => [m.localName, m]));
  private tokens: TokenManager | undefined;
  private session = new AbortController();

  /**
   * @internal Creates the client over a Twirp fetch transport. Use the one `StreamVideoClient`
   * makes (`client.coordinatorClient`): its calls fail with `not_connected` until
   * `connectUser` hands it the user's token.
   * @param options the Twirp URL, API key, per-attempt timeout, retry policy and logger.
   */
  constructor(private readonly options: StreamCoordinatorClientOptions) {
    this.transport = options.transport ?? twirpTransport(options.twirpUrl);
  }

  /** @internal Sets the token source of the connected user, or none. */
  setTokens(tokens: TokenManager | undefined): void {
    this.tokens = tokens;
  }

  /** @internal The signal of the current user session: it aborts when `disconnectUser` runs. */
  get sessionSignal(): AbortSignal {
    return this.session.signal;
  }

  /** @internal Aborts every request in flight with `disconnected`; later requests run normally. */
  abortAll(): void {
    this.session.abort();
    this.session = new AbortController();
  }

  /** Calls `method` with `input` (fields not given take their defaults). */
  async call<K extends RpcName>(method: K, input: PartialMessage<RpcInput<K>>, options: RpcCallOptions = {}): Promise<RpcOutput<K>> {
    const info = this.methods.get(method);
    if (!info) throw new StreamVideoError('bad_route', `no such RPC "${method}"`, { method });
    const message = info.I.create(input) as RpcInput<K>;
    const idempotent = options.idempotent ?? IDEMPOTENT.has(method);
    const retry = this.options.retry;
    let refreshed = false;
    const used: { token?: string } = {};
    // The session this request belongs to, taken before any await: a disconnect while the
    // token loads or a retry waits must still reject it with `disconnected`.
    const session = options.session ?? this.session.signal;
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(method, info.name, message, options.signal, used, session);
      } catch (caught) {
        const err = caught as StreamVideoError;
        if (err.code === 'token_expired' && !refreshed && this.tokens?.canRefresh) {
          refreshed = true;
          await this.tokens.refresh(used.token);
          attempt--;
          continue;
        }
        if (!idempotent || !err.retryable || attempt >= retry.maxAttempts || options.signal?.aborted) throw err;
        const delay = Math.floor(Math.random() * Math.min(retry.maxDelayMs, retry.baseDelayMs * 2 ** (attempt - 1)));
        this.options.logger('debug', `retrying ${info.name} after ${err.code}`, { attempt, delay });
        await this.sleep(delay, info.name, options.signal, session);
      }
    }
  }

  private async attempt<K extends RpcName>(
    method: K,
    name: string,
    message: RpcInput<K>,
    signal: AbortSignal | undefined,
    used: { token?: string },
    session: AbortSignal,
  ): Promise<RpcOutput<K>> {
    if (session.aborted) throw new StreamVideoError('disconnected', 'disconnectUser was called', { method: name });
    if (!this.tokens) throw new StreamVideoError('not_connected', 'connectUser must be called first', { method: name });
    const token = await this.tokens.get();
    used.token = token;
    const controller = new AbortController();
    let why: 'timeout' | 'disconnected' | 'cancelled' | undefined;
    const onSession = () => ((why ??= 'disconnected'), controller.abort());
    const onSignal = () => ((why ??= 'cancelled'), controller.abort());
    if (session.aborted) onSession();
    if (signal?.aborted) onSignal();
    session.addEventListener('abort', onSession);
    signal?.addEventListener('abort', onSignal);
    const timer = setTimeout(() => ((why ??= 'timeout'), controller.abort()), this.options.timeoutMs);
    try {
      const headers = { authorization: `Bearer ${token}`, 'stream-api-key': this.options.apiKey };
      return (await this.transport(this.methods.get(method)!, message, { headers, signal: controller.signal })) as RpcOutput<K>;
    } catch (err) {
      if (why === 'timeout') throw new StreamVideoError('timeout', `no answer within ${this.options.timeoutMs} ms`, { method: name, cause: err });
      if (why === 'disconnected') throw new StreamVideoError('disconnected', 'disconnectUser was called', { method: name, cause: err });
      if (why === 'cancelled') throw new StreamVideoError('cancelled', 'the request was aborted', { method: name, cause: err });
      throw StreamVideoError.from(err, name);
    } finally {
      clearTimeout(timer);
      session.removeEventListener('abort', onSession);
      signal?.removeEventListener('abort', onSignal);
    }
  }

  private sleep(ms: number, method: string, signal: AbortSignal | undefined, session: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const done = (err?: StreamVideoError) => {
        clearTimeout(timer);
        session.removeEventListener('abort', onAbort);
        signal?.removeEventListener('abort', onCancel);
        if (err) reject(err);
        else resolve();
      };
      const onAbort = () => done(new StreamVideoError('disconnected', 'disconnectUser was called', { method }));
      const onCancel = () => done(new StreamVideoError('cancelled', 'the request was aborted', { method }));
      const timer = setTimeout(() => done(), ms);
      session.addEventListener('abort', onAbort);
      signal?.addEventListener('abort', onCancel);
    });
  }
}
