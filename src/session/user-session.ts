import { batch } from 'nanostores';
import { CallState, User as WireUser, type User } from '../../gen/stream/video/coordinator/v1/models';
import { toPlain } from '../plain/plain-data';
import type { TokenManager } from '../auth/token-manager';
import type { Call } from '../call/call';
import { applyCalls, fetchCalls } from '../call/call-loader';
import type { FlowContext } from '../call/flow-context';
import type { CallRequestData } from '../call/call-request';
import { JoinFlow } from '../call/join-flow';
import type { GetOrCreateCallResponse } from '../plain/plain-types';
import { callRef } from '../plain/call-ref';
import { RingFlow } from '../call/ring-flow';
import type { ResolvedCallConfig } from '../config/call-config';
import type { ResolvedOptions } from '../options/client-options';
import type { PartialMessage } from '@protobuf-ts/runtime';
import type { RpcCallOptions, RpcInput, RpcOutput, StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import { droppedFrame, sessionEnded } from '../errors/errors';
import { StreamVideoError } from '../errors/stream-video-error';
import { EventPipeline } from '../events/event-pipeline';
import type { StreamEventMap } from '../events/event-map';
import type { EventRouter } from '../events/event-router';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import type { ConnectionOk } from '../../gen/stream/video/coordinator/v1/events';
import { EdgeLatency } from '../call/edge-latency';
import { applyModeration } from '../call/moderation-effects';
import { ReactionExpiry } from '../call/reaction-expiry';
import { Connection } from '../ws/connection';
import { checkAuthFrameSize } from '../ws/frames';
import type { ResumeVerdict } from '../ws/sequence-tracker';
import type { ClientProbe } from './test-seam';
import { ExponentialBackoff } from '../ws/reconnect-policy';

/** How long edge latency measurements are used before a join asks for new ones, in ms. */
const EDGE_LATENCY_TTL_MS = 5 * 60_000;

/** The RPCs the facade sends about one call, as they are: recording, recordings and permissions. */
export type SessionAction = 'startRecording' | 'stopRecording' | 'queryRecordings' | 'deleteRecording' | 'requestPermission' | 'updateUserPermissions';
/** The fields of such an RPC besides the call's type and id. */
export type ActionInput<K extends SessionAction> = Omit<PartialMessage<RpcInput<K>>, 'type' | 'id'>;

/** What a {@link UserSession} is made of; the facade's parts that outlive sessions. */
export interface UserSessionDeps {
  readonly apiKey: string;
  readonly user: User;
  readonly tokens: TokenManager;
  readonly options: ResolvedOptions;
  readonly callConfig: ResolvedCallConfig;
  readonly store: StreamVideoWriteableStateStore<Call>;
  readonly router: EventRouter<StreamEventMap>;
  readonly coordinator: StreamCoordinatorClient;
  /** Called once when the session has ended, whatever ended it. */
  readonly onEnded: (session: UserSession) => void;
}

/**
 * One connected user: the connection, the tokens, the event pipeline, the ring and join
 * flows and the joined call. `connectUser` creates it; `disconnectUser`, or the connection
 * closing for good, ends it through one path (`close`): the error first (when there is
 * one), then the closed state, then a store a new `connectUser` can start from. Everything
 * it started (sockets, timers, subscriptions, requests in flight) ends with it.
 */
export class UserSession {
  /** The user's tokens and the signal that aborts the session's requests. */
  readonly rpc: RpcSession;
  readonly connection: Connection;
  readonly pipeline: EventPipeline;
  readonly ring: RingFlow;
  readonly join: JoinFlow;
  /** The latency to each edge, measured in the background after connecting. */
  readonly edges: EdgeLatency;
  /** Clears participants' reactions once shown for `reactionTtlMs`. */
  readonly reactions: ReactionExpiry;
  private readonly controller = new AbortController();
  private wasOffline = false;
  private readonly stopStateListener: () => void;
  private ended = false;

  /**
   * @throws StreamVideoError `invalid_argument` when the platform has no WebSocket and none was
   *   passed, or when the user's profile (`user.custom`) would not fit the server's frame limit.
   */
  constructor(private readonly deps: UserSessionDeps) {
    const { options, store, router, user, tokens } = deps;
    if (!options.WebSocket) throw new StreamVideoError('invalid_argument', 'no WebSocket: pass opts.WebSocket', { method: 'connectUser' });
    checkAuthFrameSize('connectUser', deps.apiKey, user);
    this.rpc = { tokens, signal: this.controller.signal };
    // Folded events go to the joined call's media (signals, participants coming and going), then to the listeners.
    const dropped = (error: StreamVideoError) => router.emit('connection.frame_dropped', { type: 'connection.frame_dropped', error });
    this.pipeline = new EventPipeline(
      { store, userId: user.id, joined: () => this.join.active },
      (event) => {
        // What a moderation event does to the joined call's media (after the media saw it).
        applyModeration(event, this.join.active?.call, user.id, options.logger);
        router.emit(event.type, event);
      },
      options.logger,
      (event) => dropped(droppedFrame(options.wsUrl, 'unreadable_event', event.seq)),
    );
    this.connection = new Connection({
      url: options.wsUrl,
      apiKey: deps.apiKey,
      user,
      tokens,
      WebSocket: options.WebSocket,
      reconnectPolicy: options.reconnectPolicy ?? new ExponentialBackoff(),
      logger: options.logger,
      handshakeTimeoutMs: options.timeouts.handshakeMs,
      connectTimeoutMs: options.timeouts.connectMs,
      healthCheckIntervalMs: options.healthCheckIntervalMs,
      network: options.network,
      onEvent: (event) => this.pipeline.push(event),
      onConnected: (ok, resumed) => this.onConnected(ok, resumed),
      onRestarted: () => void this.resync(),
      onClosed: (error) => this.close(error),
      onDropped: dropped,
    });
    this.reactions = new ReactionExpiry(store, options.reactionTtlMs);
    this.edges = new EdgeLatency({ timeoutMs: options.timeouts.edgeMeasurementMs, ttlMs: EDGE_LATENCY_TTL_MS, signal: this.controller.signal });
    const flow: FlowContext = {
      store,
      coordinator: deps.coordinator,
      rpc: this.rpc,
      gate: this.pipeline.gate,
      events: this.pipeline,
      user: toPlain(WireUser, user),
      callConfig: deps.callConfig,
      options,
      edges: this.edges,
      router,
      ready: (method) => this.ready(method),
    };
    this.join = new JoinFlow(flow, (ref) => this.ring.answer('acceptCall', ref));
    this.ring = new RingFlow(flow, { joinedCid: () => this.join.active?.ref.cid, isJoining: (cid) => this.join.isJoining(cid) });
    // `disconnected` is set by `close`, after the error: the one failure path.
    this.stopStateListener = this.connection.state$.listen((state) => {
      if (state === 'disconnected' || state === 'idle') return;
      if (state === 'offline') this.wasOffline = true;
      store.connectionState$.set(state);
      router.emit('connection.changed', { type: 'connection.changed', online: state === 'connected', state });
    });
    deps.coordinator.bind(this.rpc);
  }

  /** The user's token source. */
  get tokens(): TokenManager {
    return this.deps.tokens;
  }

  /** The connected user. */
  get user(): User {
    return this.deps.user;
  }

  /** Whether the session has ended. */
  get hasEnded(): boolean {
    return this.ended;
  }

  /**
   * Connects within `timeouts.connectMs`: one exchange after the socket opens brings the
   * connection ok, the resume result and the calls that ring the user now (so a ring sent
   * while offline is not missed). On failure the session is closed.
   */
  async start(): Promise<void> {
    try {
      await this.connection.connect();
    } catch (err) {
      this.close();
      throw StreamVideoError.from(err, 'connectUser');
    }
    this.deps.store.connectedUser$.set(toPlain(WireUser, this.deps.user));
  }

  /** Resolves once the socket is connected; waits for a reconnect up to `timeouts.reconnectWaitMs`. */
  async ready(method: string): Promise<void> {
    if (this.ended) throw sessionEnded(method);
    await this.connection.waitUntilConnected(this.deps.options.timeouts.reconnectWaitMs, method);
  }

  /**
   * Gets or creates a call, ringing its members as `data.ring` or the call config says;
   * with `joinCallInstantly`, joins it in the same request (and rings nobody).
   */
  async getOrCreate(id: string, type: string, data: CallRequestData | undefined): Promise<GetOrCreateCallResponse> {
    if (this.deps.callConfig.joinCallInstantly) return this.join.answerOf(await this.join.join(callRef(type, id), { ...data, ring: false }));
    const ring = data?.ring ?? (this.deps.callConfig.ringByDefault && (data?.members?.length ?? 0) > 0);
    return this.ring.create(id, type, data, ring);
  }

  /**
   * Sends `rpc` about a call once the socket is connected.
   * @param method the SDK member that sends it, for errors.
   */
  async act<K extends SessionAction>(rpc: K, method: string, input: PartialMessage<RpcInput<K>>): Promise<RpcOutput<K>> {
    await this.ready(method);
    const send = this.deps.coordinator[rpc] as (input: object, options: RpcCallOptions) => Promise<RpcOutput<K>>;
    return send(input, { session: this.rpc });
  }

  /** `disconnectUser`: leaves the joined call, if any (a failure is logged), then ends the session. */
  async disconnect(): Promise<void> {
    const active = this.join.active;
    if (active)
      await active.leave().catch((err: unknown) => this.deps.options.logger('warn', 'could not leave the call', { code: StreamVideoError.from(err).code }));
    this.close();
  }

  /**
   * Ends the session: emits `connection.error` when `error` is given, then aborts what is in
   * flight, stops the flows and the connection, resets the store and sets the
   * `disconnected` state. Idempotent.
   * @param error why the connection closed for good; none for `disconnectUser`.
   */
  close(error?: StreamVideoError): void {
    if (this.ended) return;
    this.ended = true;
    const { store, router, coordinator } = this.deps;
    if (error) {
      this.deps.options.logger('error', 'the connection closed for good', { code: error.code });
      router.emit('connection.error', { type: 'connection.error', error });
    }
    this.controller.abort();
    coordinator.bind(undefined);
    this.stopStateListener();
    this.join.close();
    this.connection.disconnect();
    this.ring.dispose();
    this.reactions.dispose();
    this.pipeline.gate.clear();
    batch(() => {
      store.reset();
      store.connectionState$.set('disconnected');
    });
    router.emit('connection.changed', { type: 'connection.changed', online: false, state: 'disconnected' });
    this.deps.onEnded(this);
  }

  /** A socket went live: take its edges, and its ringing calls or a re-sync as the resume says. */
  private onConnected(ok: ConnectionOk, resumed: ResumeVerdict): void {
    if (this.wasOffline) this.edges.invalidate();
    this.wasOffline = false;
    this.edges.update(ok.edges);
    if (resumed === 'fresh') {
      applyCalls(
        this.deps.store,
        { me: this.deps.user.id, ringingOnly: true, calls: ok.ringingCalls.map((c) => toPlain(CallState, c)), activeCid: undefined, activeState: undefined },
        this.join.active,
      );
    } else if (resumed === 'resync') {
      void this.resync();
    }
  }

  /** Rebuilds the store through RPCs after events were lost beyond the replay buffer, or the server restarted. */
  private async resync(): Promise<void> {
    const calls = await this.loadCalls(false);
    // Signals may be among the lost events: the joined call's peer connections start again,
    // from the participants (and their published tracks) the snapshot shows.
    this.join.active?.media?.resync();
    if (calls !== undefined) this.deps.router.emit('connection.recovered', { type: 'connection.recovered', reason: 'resync', calls });
  }

  /** Loads the user's calls into the store; events that arrive meanwhile are folded after the snapshot. */
  private async loadCalls(ringingOnly: boolean): Promise<number | undefined> {
    const { store, coordinator, options, user } = this.deps;
    try {
      const snapshot = await this.pipeline.gate.around(
        () => true,
        () => fetchCalls(coordinator, this.rpc, user.id, this.join.active?.ref.cid, { ringingOnly }),
        (s) => applyCalls(store, s, this.join.active),
      );
      return snapshot.calls.length;
    } catch (err) {
      options.logger(ringingOnly ? 'warn' : 'error', ringingOnly ? 'could not load the ringing calls' : 'could not re-sync', {
        code: StreamVideoError.from(err).code,
      });
      return undefined;
    }
  }
}

/** What the test seam shows of a session (or of none). */
export function probeSession(session: UserSession | undefined): Omit<ClientProbe, 'listeners'> {
  return {
    connection: session?.connection,
    ringTimers: session?.ring.timerCount ?? 0,
    tokenProviderCalls: session?.tokens.providerCalls ?? 0,
    edgeLatency: session?.edges.latest ?? {},
  };
}
