import { batch } from 'nanostores';
import { CallEventType, type GetOrCreateCallResponse, type QueryCallsResponse, type RequestPermissionResponse, type UpdateUserPermissionsResponse } from '../gen/stream/video/coordinator/v1/coordinator_service';
import type { CallState, User } from '../gen/stream/video/coordinator/v1/models';
import { Call } from './call/Call';
import { CallDropScheduler, type DropAction } from './call/CallDropScheduler';
import { measureEdges } from './call/edge-selection';
import { resolveOptions, type ResolvedOptions, type StreamClientOptions } from './client-options';
import { CALL_CONFIG, type CallConfig } from './config/call-config';
import type { PartialMessage } from '@protobuf-ts/runtime';
import { DEFAULT_RETRY_POLICY, StreamCoordinatorClient, type RpcInput, type RpcOutput } from './coordinator/StreamCoordinatorClient';
import { TokenManager, type TokenOrProvider } from './coordinator/token-manager';
import { StreamVideoError } from './errors';
import { foldEvent, toStreamParticipant, type FoldContext } from './events/event-folder';
import { toCoordinatorEvent, type StreamEventMap } from './events/event-map';
import { EventGate } from './events/event-gate';
import { EventRouter, type EventHandler } from './events/event-router';
import { consoleLogger } from './logger';
import type { ParticipantList } from './store/participant-table';
import { StreamVideoWriteableStateStore, type StreamVideoReadOnlyStateStore } from './store/state-store';
import { toUser, type UserInput, checkCallId, checkCallType, checkLimit, checkPermissions, checkUserId, KNOWN_CALL_TYPES, toFilterStruct, toSortParams, type SortParamRequest } from './validation';
import { Connection } from './ws/connection';
import { ExponentialBackoff } from './ws/reconnect-policy';
import type { WebSocketConstructor } from './ws/websocket-like';
import { applyCalls, fetchCalls } from './call/call-loader';
import { newSessionId, toCallInput, type CallRequestData } from './call/call-request';
import { createMediaSession } from './media/create-media-session';

/**
 * A `StreamVideoClient` instance lets you communicate with our API, and authenticate users.
 *
 * ```ts
 * const client = new StreamVideoClient('api-key', { baseUrl: 'http://127.0.0.1:3030' });
 * await client.connectUser({ id: 'alice', name: 'Alice' }, tokenProvider);
 * ```
 */
export class StreamVideoClient {
  /** Configuration parameters for controlling call behavior. */
  callConfig: CallConfig;
  /** The coordinator API with the SDK's auth, retry and error policies. */
  coordinatorClient: StreamCoordinatorClient;
  /**
   * A reactive store that exposes all the state variables in a reactive manner - you can
   * subscribe to changes of the different state variables. All state changes are exposed
   * in this store, so all UI changes should be handled by subscribing to these variables.
   */
  readonly readOnlyStateStore: StreamVideoReadOnlyStateStore;

  private readonly options: ResolvedOptions;
  private readonly store = new StreamVideoWriteableStateStore();
  private readonly router: EventRouter<StreamEventMap>;
  private readonly scheduler: CallDropScheduler;
  private readonly fold: FoldContext;
  private connection: Connection | undefined;
  private connecting: Promise<void> | undefined;
  private stopConnectionListener: (() => void) | undefined;
  private user: User | undefined;
  private activeCall: Call | undefined;
  private joining: { cid: string; promise: Promise<Call> } | undefined;
  private readonly gate = new EventGate((event) => foldEvent(event, this.fold));

  /**
   * You should create only one instance of `StreamVideoClient`.
   * @param apiKey your Stream API key
   * @param opts the options for the client.
   * @param callConfig custom call configuration (default `CALL_CONFIG.meeting`)
   */
  constructor(apiKey: string, opts: StreamClientOptions = {}, callConfig: CallConfig = CALL_CONFIG.meeting) {
    if (typeof apiKey !== 'string' || apiKey.length === 0) throw StreamVideoError.invalidArgument('constructor', 'apiKey', 'must be a non-empty string');
    this.options = resolveOptions(opts, { logger: consoleLogger, retry: DEFAULT_RETRY_POLICY, callTypes: KNOWN_CALL_TYPES, WebSocket: (globalThis as { WebSocket?: WebSocketConstructor }).WebSocket });
    this.apiKey = apiKey;
    this.callConfig = callConfig;
    this.coordinatorClient = new StreamCoordinatorClient({
      twirpUrl: this.options.twirpUrl,
      apiKey,
      timeoutMs: this.options.timeouts.rpcMs,
      retry: this.options.retry,
      logger: this.options.logger,
    });
    this.readOnlyStateStore = this.store.readOnly;
    this.router = new EventRouter<StreamEventMap>(this.options.logger);
    this.scheduler = new CallDropScheduler((cid, action) => this.onRingTimeout(cid, action));
    this.fold = {
      store: this.store,
      scheduler: this.scheduler,
      userId: () => this.user?.id,
      activeCall: () => (this.activeCall?.hasLeft ? undefined : this.activeCall),
      ringTimeout: (call, direction) => this.ringTimeout(call, direction),
      onFolded: (event) => this.fold.activeCall()?.media?.onEvent(event), // media (issue 16)
    };
  }

  private readonly apiKey: string;

  /**
   * Connects the given user to the client. Only one user can connect at a time: to change
   * users, call `disconnectUser` first. On success `connectedUser$` holds the user.
   * @param user the user to connect.
   * @param tokenOrProvider a token or a function that returns a token; a function is called again when the token expires.
   * @throws StreamVideoError `already_connected`, `unauthenticated`, `token_expired`, `timeout`.
   */
  async connectUser(user: UserInput, tokenOrProvider: TokenOrProvider): Promise<void> {
    const fullUser = toUser('connectUser', 'user', user);
    if (this.connecting || this.connection) throw new StreamVideoError('already_connected', 'a user is connected: call disconnectUser first', { method: 'connectUser' });
    const tokens = new TokenManager(tokenOrProvider);
    const WebSocketCtor = this.options.WebSocket;
    if (!WebSocketCtor) throw new StreamVideoError('invalid_argument', 'no WebSocket: pass opts.WebSocket', { method: 'connectUser' });
    const connection = new Connection({
      url: this.options.wsUrl,
      apiKey: this.apiKey,
      user: fullUser,
      tokens,
      WebSocket: WebSocketCtor,
      reconnectPolicy: this.options.reconnectPolicy ?? new ExponentialBackoff(),
      logger: this.options.logger,
      handshakeTimeoutMs: this.options.timeouts.handshakeMs,
      connectTimeoutMs: this.options.timeouts.connectMs,
      healthCheckIntervalMs: this.options.healthCheckIntervalMs,
      network: this.options.network,
      onEvent: (event) => {
        const named = toCoordinatorEvent(event);
        if (!named) {
          this.options.logger('debug', 'skipped an unreadable event', { seq: event.seq });
          return;
        }
        this.gate.push(named);
        this.router.emit(named.type, named as never);
      },
      onRecovered: () => void this.resync(),
    });
    this.connection = connection;
    this.coordinatorClient.setTokens(tokens);
    this.stopConnectionListener = connection.state$.subscribe((state) => {
      this.store.connectionState$.set(state);
      if (state !== 'idle') this.router.emit('connection.changed', { type: 'connection.changed', online: state === 'connected', state });
    });
    this.connecting = connection.connect();
    try {
      await this.connecting;
    } catch (err) {
      if (this.connection === connection) this.teardown();
      throw StreamVideoError.from(err, 'connectUser');
    } finally {
      this.connecting = undefined;
    }
    this.user = fullUser;
    this.store.connectedUser$.set(fullUser);
    await this.loadRingingCalls();
  }

  /**
   * Disconnects the currently connected user from the client: leaves the active call,
   * closes the socket, stops every timer, rejects pending work with `disconnected`, removes
   * every listener added with `on` and resets the store.
   */
  async disconnectUser(): Promise<void> {
    const call = this.activeCall;
    if (call && !call.hasLeft && this.connection) {
      await call.leave().catch((err: unknown) => this.options.logger('warn', 'could not leave the call', { code: StreamVideoError.from(err).code }));
    }
    this.teardown();
    this.router.clear();
  }

  /**
   * You can subscribe to WebSocket events provided by the API. To remove a subscription,
   * call the `off` method or execute the returned unsubscribe function. `'*'` receives every event.
   * @param eventName the event name, e.g. `call.ring`.
   * @param callback the callback which will be called when the event is emitted.
   * @returns an unsubscribe function.
   */
  on<K extends keyof StreamEventMap>(eventName: K, callback: EventHandler<StreamEventMap[K]>): () => void;
  on(eventName: '*', callback: EventHandler<StreamEventMap[keyof StreamEventMap]>): () => void;
  on(eventName: keyof StreamEventMap | '*', callback: EventHandler<never>): () => void {
    if (typeof eventName !== 'string' || eventName.length === 0) throw StreamVideoError.invalidArgument('on', 'eventName', 'must be an event name or "*"');
    if (typeof callback !== 'function') throw StreamVideoError.invalidArgument('on', 'callback', 'must be a function');
    return this.router.on(eventName as keyof StreamEventMap, callback as EventHandler<StreamEventMap[keyof StreamEventMap]>);
  }

  /**
   * Remove subscription for WebSocket events that were created by the `on` method.
   * @param event the event name.
   * @param callback the callback which was passed to the `on` method.
   */
  off<K extends keyof StreamEventMap>(event: K | '*', callback: EventHandler<StreamEventMap[K]>): void {
    this.router.off(event, callback);
  }

  /**
   * Allows you to create new calls with the given parameters. If a call with the same
   * combination of type and id already exists, it will be returned. Causes the
   * `call.created` event to be emitted to all the call members if the call did not exist;
   * with `ring`, the members receive `call.ring`.
   * @param id the id of the call.
   * @param type the type of the call.
   * @param data the data for the call.
   * @returns A call metadata with information about the call.
   */
  async getOrCreateCall(id: string, type: string, data?: CallRequestData): Promise<GetOrCreateCallResponse> {
    return this.createCall(id, type, data, this.coordinatorClient.sessionSignal);
  }

  private async createCall(id: string, type: string, data: CallRequestData | undefined, session: AbortSignal): Promise<GetOrCreateCallResponse> {
    const method = 'getOrCreateCall';
    checkCallId(method, 'id', id);
    checkCallType(method, type, this.options.callTypes, 'type');
    const { members, custom } = toCallInput(method, data);
    const ring = data?.ring ?? (this.callConfig.ringByDefault && members.length > 0);
    await this.ready(method);
    // Events about the call that overtake the answer (a fast accept) are folded after it.
    return this.gate.around(
      (e) => e.callCid === `${type}:${id}`,
      () => this.coordinatorClient.call(method, { type, id, ring, data: { members, settingsOverride: data?.settingsOverride, custom } }, { session }),
      (response) => {
        const state = response.call;
        if (ring && state?.call && state.call.createdByUserId === this.user?.id && state.call.ringing && !this.isActive(state.call.cid)) {
          this.store.upsertPending({ direction: 'outgoing', call: state, ringer: this.user, since: Date.now() });
          this.scheduler.schedule(state.call.cid, 'cancel', this.ringTimeout(state, 'outgoing'));
        }
      },
    );
  }

  /**
   * Allows you to create a new call with the given parameters and joins the call
   * immediately: picks the edge server with the lowest measured latency, then joins.
   * If a call with the same combination of `type` and `id` already exists, it will join
   * the existing call. Joining the call already joined returns it.
   * @param id the id of the call.
   * @param type the type of the call.
   * @param data the data for the call, used when it is created.
   * @returns A `Call` instance that can be used to interact with the call.
   */
  async joinCall(id: string, type: string, data?: CallRequestData): Promise<Call> {
    const method = 'joinCall';
    checkCallId(method, 'id', id);
    checkCallType(method, type, this.options.callTypes, 'type');
    const cid = `${type}:${id}`;
    if (this.activeCall && !this.activeCall.hasLeft) {
      if (this.activeCall.cid === cid) return this.activeCall;
      throw new StreamVideoError('failed_precondition', `already in call ${this.activeCall.cid}: leave it first`, { method });
    }
    if (this.joining) {
      if (this.joining.cid === cid) return this.joining.promise;
      throw new StreamVideoError('failed_precondition', `already joining call ${this.joining.cid}`, { method });
    }
    const joining = { cid, promise: this.join(id, type, cid, data) };
    this.joining = joining;
    try {
      return await joining.promise;
    } finally {
      if (this.joining === joining) this.joining = undefined;
    }
  }

  /**
   * Signals other users that I have accepted the incoming call, then joins it.
   * Causes the `call.accepted` event to be emitted to all the call members.
   * @returns the joined `Call`.
   */
  async acceptCall(callId: string, callType: string): Promise<Call> {
    await this.sendRingAnswer('acceptCall', callId, callType, CallEventType.ACCEPTED);
    return this.joinCall(callId, callType);
  }

  /**
   * Signals other users that I have rejected the incoming call.
   * Causes the `call.rejected` event to be emitted to all the call members.
   */
  async rejectCall(callId: string, callType: string): Promise<void> {
    await this.sendRingAnswer('rejectCall', callId, callType, CallEventType.REJECTED);
  }

  /**
   * Signals other users that I have cancelled my call to them before they accepted it.
   * Causes the `call.cancelled` event to be emitted to all the call members. Cancelling a
   * call is only possible before the local participant joined the call.
   * @throws StreamVideoError `failed_precondition` after joining the call.
   */
  async cancelCall(callId: string, callType: string): Promise<void> {
    checkCallId('cancelCall', 'callId', callId);
    checkCallType('cancelCall', callType, this.options.callTypes);
    if (this.isActive(`${callType}:${callId}`) || this.joining?.cid === `${callType}:${callId}`) {
      throw new StreamVideoError('failed_precondition', 'cannot cancel a joined call: leave it', { method: 'cancelCall' });
    }
    await this.sendRingAnswer('cancelCall', callId, callType, CallEventType.CANCELLED);
  }

  /**
   * Queries calls the user may read.
   * @param filterConditions conditions such as `{ members: { $in: ['bob'] }, recording: true }`.
   * @param sort sort keys: `created_at`, `updated_at`, `member_count`; direction 1 or -1.
   * @param limit page size, 1 to 100 (default 25).
   * @param next the cursor of the next page, from a previous response.
   */
  async queryCalls(filterConditions: Record<string, unknown>, sort: SortParamRequest[], limit?: number, next?: string): Promise<QueryCallsResponse> {
    const method = 'queryCalls';
    const filter = toFilterStruct(method, filterConditions);
    const sortParams = toSortParams(method, sort);
    const pageSize = checkLimit(method, limit);
    if (next !== undefined && typeof next !== 'string') throw StreamVideoError.invalidArgument(method, 'next', 'must be a cursor string');
    this.requireUser(method);
    return this.coordinatorClient.call(method, { filterConditions: filter, sort: sortParams, limit: pageSize, next: next ?? '' });
  }

  /**
   * Starts recording for the call described by the given `callId` and `callType`.
   * Every member sees `call.recording_started`.
   */
  async startRecording(callId: string, callType: string): Promise<void> {
    await this.callAction('startRecording', callId, callType);
  }

  /**
   * Stops recording for the call described by the given `callId` and `callType`.
   * Every member sees `call.recording_stopped`.
   */
  async stopRecording(callId: string, callType: string): Promise<void> {
    await this.callAction('stopRecording', callId, callType);
  }

  /**
   * Sends a `call.permission_request` event to all users connected to the call. The call
   * settings say which permissions can be requested (e.g. `send-audio`, `screenshare`).
   * @param data `{ permissions }`: the permissions to ask for.
   */
  async requestCallPermissions(callId: string, callType: string, data: { permissions: string[] }): Promise<RequestPermissionResponse> {
    const permissions = checkPermissions('requestCallPermissions', 'data.permissions', data?.permissions, false);
    return this.callAction('requestPermission', callId, callType, { permissions }, 'requestCallPermissions');
  }

  /**
   * Allows you to grant or revoke a specific permission to a user in a call. The
   * permissions do not survive the call itself. Supported permissions: `send-audio`,
   * `send-video` and `screenshare`. `call.permissions_updated` is sent to all members.
   * @param data `{ userId, grantPermissions?, revokePermissions? }`.
   */
  async updateUserPermissions(
    callId: string,
    callType: string,
    data: { userId: string; grantPermissions?: string[]; revokePermissions?: string[] },
  ): Promise<UpdateUserPermissionsResponse> {
    const method = 'updateUserPermissions';
    const userId = checkUserId(method, 'data.userId', data?.userId);
    const grantPermissions = checkPermissions(method, 'data.grantPermissions', data.grantPermissions, true);
    const revokePermissions = checkPermissions(method, 'data.revokePermissions', data.revokePermissions, true);
    if (grantPermissions.length + revokePermissions.length === 0) throw StreamVideoError.invalidArgument(method, 'data', 'must grant or revoke a permission');
    return this.callAction(method, callId, callType, { userId, grantPermissions, revokePermissions });
  }

  /**
   * Sets the `participant.isPinned` value.
   * @param sessionId the session id of the participant
   * @param isPinned the value to set the participant.isPinned
   * @throws StreamVideoError `not_found` when the active call has no such participant.
   */
  setParticipantIsPinned(sessionId: string, isPinned: boolean): void {
    checkUserId('setParticipantIsPinned', 'sessionId', sessionId);
    if (typeof isPinned !== 'boolean') throw StreamVideoError.invalidArgument('setParticipantIsPinned', 'isPinned', 'must be a boolean');
    if (!this.store.table.read(sessionId)) throw new StreamVideoError('not_found', `no participant "${sessionId}"`, { method: 'setParticipantIsPinned' });
    this.store.updateParticipants((t) => t.setPinned(sessionId, isPinned));
  }

  private async join(id: string, type: string, cid: string, data: CallRequestData | undefined): Promise<Call> {
    // One session for the whole flow: a disconnect midway fails every later step with
    // `disconnected`, even when another user connects meanwhile.
    const session = this.coordinatorClient.sessionSignal;
    const rpc = { session };
    await this.createCall(id, type, { ...data, ring: data?.ring ?? false }, session);
    const { edges } = await this.coordinatorClient.call('getEdges', {}, rpc);
    const latencyMeasurements = await measureEdges(edges, this.options.timeouts.edgeMeasurementMs, session);
    const { credentials } = await this.coordinatorClient.call('getCallEdgeServer', { type, id, latencyMeasurements }, rpc);
    const sessionId = newSessionId();
    let call: Call | undefined;
    // Events about the call that overtake the join's answer are folded after it, in order.
    await this.gate.around(
      (e) => e.callCid === cid,
      () => this.coordinatorClient.call('joinCall', { type, id, sessionId, edgeName: credentials?.edgeName ?? '' }, rpc),
      (joined) => {
        if (session.aborted) return;
        if (!joined.call?.call || !credentials) throw new StreamVideoError('internal', 'the join answer lacks the call or credentials', { method: 'joinCall' });
        const state = joined.call;
        call = new Call(state, credentials, sessionId, {
          leaveCall: (c) => this.leave(c),
          participantsOf: (c): ParticipantList => (this.activeCall === c ? this.store.participants$.get() : this.store.table.snapshot().pinned),
        });
        call.media = createMediaSession(call, credentials, this.options, this.coordinatorClient, this.store, this.user!.id); // media (issue 16)
        this.scheduler.clear(cid);
        this.store.removePending(cid);
        this.activeCall = call;
        this.store.activeCall$.set(call);
        this.store.callRecordingInProgress$.set(state.call!.recording);
        this.store.updateParticipants((t) => {
          t.clear();
          t.setLocalSession(sessionId);
          for (const p of state.participants) t.upsert(toStreamParticipant(p));
        });
      },
    );
    if (!call || session.aborted) throw new StreamVideoError('disconnected', 'disconnectUser was called', { method: 'joinCall' });
    return call;
  }

  private async leave(call: Call): Promise<void> {
    const [type, ...rest] = call.cid.split(':');
    await this.coordinatorClient.call('leaveCall', { type, id: rest.join(':'), sessionId: call.sessionId });
    if (this.activeCall === call) {
      this.activeCall = undefined;
      this.store.clearActiveCall();
    }
  }

  private async sendRingAnswer(method: string, callId: string, callType: string, eventType: CallEventType): Promise<void> {
    checkCallId(method, 'callId', callId);
    checkCallType(method, callType, this.options.callTypes);
    await this.ready(method);
    const cid = `${callType}:${callId}`;
    await this.coordinatorClient.call('sendCallEvent', { type: callType, id: callId, eventType }, { idempotent: true });
    this.scheduler.clear(cid);
    this.store.removePending(cid);
  }

  private async callAction<K extends 'startRecording' | 'stopRecording' | 'requestPermission' | 'updateUserPermissions'>(
    rpc: K,
    callId: string,
    callType: string,
    extra: Omit<PartialMessage<RpcInput<K>>, 'type' | 'id'> = {} as never,
    method: string = rpc,
  ): Promise<RpcOutput<K>> {
    checkCallId(method, 'callId', callId);
    checkCallType(method, callType, this.options.callTypes);
    await this.ready(method);
    return this.coordinatorClient.call(rpc, { type: callType, id: callId, ...extra } as PartialMessage<RpcInput<K>>);
  }

  private onRingTimeout(cid: string, action: DropAction): void {
    const [type, ...rest] = cid.split(':');
    const id = rest.join(':');
    this.store.removePending(cid);
    const run = action === 'cancel' ? this.cancelCall(id, type!) : this.rejectCall(id, type!);
    run.catch((err: unknown) => this.options.logger('warn', `could not ${action} ${cid}`, { code: StreamVideoError.from(err).code }));
  }

  private ringTimeout(call: CallState, direction: 'incoming' | 'outgoing'): number {
    const configured = direction === 'incoming' ? this.callConfig.autoRejectTimeoutInMs : this.callConfig.autoCancelTimeoutInMs;
    if (configured > 0) return configured;
    const ring = call.call?.settings?.ring;
    return (direction === 'incoming' ? ring?.incomingCallTimeoutMs : ring?.outgoingCallTimeoutMs) ?? 0;
  }

  private isActive(cid: string): boolean {
    return this.activeCall !== undefined && !this.activeCall.hasLeft && this.activeCall.cid === cid;
  }

  private requireUser(method: string): void {
    if (!this.connection || this.store.connectionState$.get() === 'disconnected') {
      throw new StreamVideoError('not_connected', 'connectUser must be called first', { method });
    }
  }

  /** Waits for the socket when it is reconnecting, bounded by `timeouts.reconnectWaitMs`. */
  private async ready(method: string): Promise<void> {
    this.requireUser(method);
    // Kept before the await: a connect that fails or a disconnect meanwhile clears `this.connection`.
    const connection = this.connection!;
    if (this.connecting) await this.connecting.catch(() => {});
    await connection.waitUntilConnected(this.options.timeouts.reconnectWaitMs, method);
  }

  /** Loads the calls that ring the user now, so a ring sent while offline is not missed. */
  private async loadRingingCalls(): Promise<void> {
    try {
      await this.gate.around(() => true, () => fetchCalls(this.coordinatorClient, this.fold, { ringingOnly: true }), (snapshot) => applyCalls(this.fold, snapshot));
    } catch (err) {
      this.options.logger('warn', 'could not load the ringing calls', { code: StreamVideoError.from(err).code });
    }
  }

  /** Rebuilds the store through RPCs after events were lost beyond the replay buffer. */
  private async resync(): Promise<void> {
    try {
      // Events that arrive while the snapshot is read are folded after it, so it never wins over them.
      const snapshot = await this.gate.around(() => true, () => fetchCalls(this.coordinatorClient, this.fold, { ringingOnly: false }), (s) => applyCalls(this.fold, s));
      const calls = snapshot?.calls.length ?? 0;
      this.activeCall?.media?.resync(); // media (issue 16): signals may be among the lost events
      this.router.emit('connection.recovered', { type: 'connection.recovered', reason: 'resync', calls });
    } catch (err) {
      this.options.logger('error', 'could not re-sync', { code: StreamVideoError.from(err).code });
    }
  }

  private teardown(): void {
    this.stopConnectionListener?.();
    this.stopConnectionListener = undefined;
    this.connection?.disconnect();
    this.connection = undefined;
    this.coordinatorClient.abortAll();
    this.coordinatorClient.setTokens(undefined);
    this.scheduler.clearAll();
    this.activeCall?.markLeft();
    this.activeCall = undefined;
    this.joining = undefined;
    this.gate.clear();
    this.user = undefined;
    batch(() => {
      this.store.reset();
      this.store.connectionState$.set('disconnected');
    });
  }
}
