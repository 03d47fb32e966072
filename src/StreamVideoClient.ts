import { QueryCallsResponse as WireQueryCallsResponse } from '../gen/stream/video/coordinator/v1/coordinator_service';
import { TokenManager, type TokenOrProvider } from './auth/token-manager';
import { toPlain } from './plain/plain-data';
import { callRef } from './plain/call-ref';
import type { GetOrCreateCallResponse, QueryCallsResponse, RequestPermissionResponse, UpdateUserPermissionsResponse } from './plain/plain-types';
import type { Call } from './call/call';
import type { CallRequestData } from './call/call-request';
import { checkRecordingFilename, plainRecordings, type QueryRecordingsResponse } from './call/call-recordings';
import type { StreamVideoReadOnlyStateStore } from './call/call-store';
import { CALL_CONFIG, type CallConfig } from './config/call-config';
import { checkCallConfig, resolveCallConfig } from './config/resolve-call-config';
import { resolveOptions, type ClientPlatform, type ResolvedOptions, type StreamClientOptions } from './options/client-options';
import { StreamCoordinatorClient, type RpcOutput } from './coordinator/coordinator-client';
import { alreadyConnected, notConnected } from './errors/errors';
import { StreamVideoError } from './errors/stream-video-error';
import type { StreamEvent, StreamEventMap, StreamEventName } from './events/event-map';
import { EventRouter, type EventHandler } from './events/event-router';
import { TEST_SEAM, type ClientProbe } from './session/test-seam';
import { probeSession, UserSession, type ActionInput, type SessionAction } from './session/user-session';
import { StreamVideoWriteableStateStore } from './store/state-store';
import { checkCallId, checkCallType, checkUserId, toUser, type SortParamRequest, type UserInput } from './validation/arguments';
import { checkListener, checkPermissionRequest, checkPermissionUpdate, toQueryCallsInput } from './validation/facade-inputs';

/**
 * A `StreamVideoClient` instance lets you communicate with our API, and authenticate users.
 *
 * ```ts
 * const client = new StreamVideoClient('api-key', { baseUrl: 'http://127.0.0.1:3030' });
 * await client.connectUser({ id: 'alice', name: 'Alice' }, tokenProvider);
 * ```
 */
export class StreamVideoClient {
  /** @internal What the entry point supplies for its runtime (the Node entry: `ws` and a response cap). */
  protected static readonly platform: ClientPlatform = {};
  /** Configuration parameters for controlling call behavior. */
  callConfig: CallConfig;
  /** The coordinator's RPCs, typed, with the SDK's auth, retry, timeout and error policies. */
  coordinatorClient: StreamCoordinatorClient;
  private readonly store = new StreamVideoWriteableStateStore<Call>();
  /**
   * A reactive store that exposes all the state variables in a reactive manner - you can
   * subscribe to changes of the different state variables. All state changes are exposed
   * in this store, so all UI changes should be handled by subscribing to these variables.
   */
  readonly readOnlyStateStore: StreamVideoReadOnlyStateStore = this.store.readOnly;
  private readonly options: ResolvedOptions;
  private readonly router: EventRouter<StreamEventMap>;
  private session: UserSession | undefined;

  /**
   * You should create only one instance of `StreamVideoClient`.
   * @param apiKey your Stream API key
   * @param opts the options for the client.
   * @param callConfig custom call configuration (default `CALL_CONFIG.meeting`)
   */
  constructor(
    private readonly apiKey: string,
    opts: StreamClientOptions = {},
    callConfig: CallConfig = CALL_CONFIG.meeting,
  ) {
    if (typeof apiKey !== 'string' || apiKey.length === 0) throw StreamVideoError.invalidArgument('constructor', 'apiKey', 'must be a non-empty string');
    this.options = resolveOptions(opts, new.target.platform);
    this.callConfig = checkCallConfig(callConfig); // a bad config is refused here, not at connectUser
    const { twirpUrl, timeouts, retry, logger, sendJson, transport, responseCap } = this.options;
    this.coordinatorClient = new StreamCoordinatorClient({ twirpUrl, apiKey, timeoutMs: timeouts.rpcMs, retry, logger, sendJson, transport, responseCap });
    this.router = new EventRouter<StreamEventMap>(logger);
  }

  /**
   * Connects the given user to the client. Only one user can connect at a time: to change
   * users, call `disconnectUser` first. On success `connectedUser$` holds the user.
   * @param user the user to connect.
   * @param tokenOrProvider a token or a function that returns a token; a function is called again when the token expires.
   * @throws StreamVideoError `already_connected`, `unauthenticated`, `token_expired`, `timeout`;
   *   `invalid_argument` for a bad user or token, or a profile too large for the auth frame (`user.custom`).
   */
  async connectUser(user: UserInput, tokenOrProvider: TokenOrProvider): Promise<void> {
    const fullUser = toUser('connectUser', 'user', user);
    if (this.session) throw alreadyConnected('connectUser');
    const tokens = new TokenManager(tokenOrProvider, { providerTimeoutMs: this.options.timeouts.tokenProviderMs });
    const { apiKey, options, store, router, coordinatorClient: coordinator } = this;
    const callConfig = resolveCallConfig(this.callConfig);
    const onEnded = (ended: UserSession) => void (this.session === ended && (this.session = undefined));
    await (this.session = new UserSession({ apiKey, user: fullUser, tokens, options, callConfig, store, router, coordinator, onEnded })).start();
  }

  /**
   * Disconnects the currently connected user: leaves the joined call, closes the socket,
   * stops every timer, rejects pending work with `disconnected` and resets the store.
   * Listeners added with `on` stay.
   */
  async disconnectUser(): Promise<void> {
    await this.session?.disconnect();
  }

  /**
   * You can subscribe to WebSocket events provided by the API. To remove a subscription,
   * call the `off` method or execute the returned unsubscribe function. `'*'` receives every
   * event. Listeners outlive `disconnectUser` and a later `connectUser`.
   * @param eventName the event name, e.g. `call.ring`.
   * @param callback the callback which will be called when the event is emitted.
   * @returns an unsubscribe function.
   */
  on<K extends StreamEventName>(eventName: K, callback: EventHandler<StreamEventMap[K]>): () => void;
  on(eventName: '*', callback: EventHandler<StreamEvent>): () => void;
  on(eventName: keyof StreamEventMap | '*', callback: EventHandler<never>): () => void {
    checkListener('on', eventName, callback);
    return this.router.on(eventName as keyof StreamEventMap, callback as EventHandler<StreamEventMap[keyof StreamEventMap]>);
  }

  /**
   * Remove subscription for WebSocket events that were created by the `on` method.
   * @param event the event name.
   * @param callback the callback which was passed to the `on` method.
   */
  off<K extends StreamEventName>(event: K | '*', callback: EventHandler<StreamEventMap[K]>): void {
    this.router.off(event, callback);
  }

  /**
   * Allows you to create new calls with the given parameters. If a call with the same
   * combination of type and id already exists, it will be returned. Causes `call.created`
   * for the members when the call did not exist; with `ring`, they receive `call.ring`.
   * With the call config's `joinCallInstantly`, the creator also joins, in the same request.
   * @param id the id of the call.
   * @param type the type of the call.
   * @param data the members, settings and custom data of a new call, and whether to ring.
   * @returns A call metadata with information about the call.
   */
  async getOrCreateCall(id: string, type: string, data?: CallRequestData): Promise<GetOrCreateCallResponse> {
    return this.checkCall('getOrCreateCall', id, type, 'id', 'type').getOrCreate(id, type, data);
  }

  /**
   * Allows you to create a new call with the given parameters and joins the call
   * immediately, in one request; the edge server is picked by the latency measured in the
   * background. If the call exists, it joins it; joining the joined call returns it.
   * @param id the id of the call.
   * @param type the type of the call.
   * @param data the data for the call, used when it is created.
   * @returns A `Call` instance that can be used to interact with the call.
   */
  async joinCall(id: string, type: string, data?: CallRequestData): Promise<Call> {
    return this.checkCall('joinCall', id, type, 'id', 'type').join.join(callRef(type, id), data);
  }

  /**
   * Signals other users that I have accepted the incoming call and joins it, in one request.
   * Causes the `call.accepted` event to be emitted to all the call members.
   * @returns the joined `Call`.
   */
  async acceptCall(callId: string, callType: string): Promise<Call> {
    return this.checkCall('acceptCall', callId, callType).join.join(callRef(callType, callId), undefined, true);
  }

  /**
   * Signals other users that I have rejected the incoming call.
   * Causes the `call.rejected` event to be emitted to all the call members.
   */
  async rejectCall(callId: string, callType: string): Promise<void> {
    await this.checkCall('rejectCall', callId, callType).ring.answer('rejectCall', callRef(callType, callId));
  }

  /**
   * Signals other users that I have cancelled my call to them before they accepted it.
   * Causes `call.cancelled` for all the call members. Cancelling a call is only possible
   * before the local participant joined the call.
   * @throws StreamVideoError `failed_precondition` after joining the call.
   */
  async cancelCall(callId: string, callType: string): Promise<void> {
    await this.checkCall('cancelCall', callId, callType).ring.answer('cancelCall', callRef(callType, callId));
  }

  /**
   * Queries calls the user may read.
   * @param filterConditions conditions such as `{ members: { $in: ['bob'] }, recording: true }`.
   * @param sort sort keys: `created_at`, `updated_at`, `member_count`; direction 1 or -1.
   * @param limit page size, 1 to 100 (default 25).
   * @param next the cursor of the next page, from a previous response.
   */
  async queryCalls(filterConditions: Record<string, unknown>, sort: SortParamRequest[], limit?: number, next?: string): Promise<QueryCallsResponse> {
    const input = toQueryCallsInput('queryCalls', filterConditions, sort, limit, next);
    return toPlain(WireQueryCallsResponse, await this.coordinatorClient.queryCalls(input, { session: this.requireSession('queryCalls').rpc }));
  }

  /**
   * Starts recording the call `callType:callId`; everyone in it sees `call.recording_started`.
   * An SFU call's members get `call.recording_ready` with the file once it stops (or the call
   * ends); a mesh call makes no file. `resource_exhausted` (`storage_full`) when there is no room.
   */
  async startRecording(callId: string, callType: string): Promise<void> {
    await this.callAction('startRecording', callId, callType, {});
  }

  /** Stops recording the call `callType:callId`; every member sees `call.recording_stopped`. */
  async stopRecording(callId: string, callType: string): Promise<void> {
    await this.callAction('stopRecording', callId, callType, {});
  }

  /**
   * Lists the recordings of the call `callType:callId` that are files, oldest first, each
   * with a download URL signed for a limited time (`urlExpiresAt`). Only members may list.
   *
   * ```ts
   * const { recordings } = await client.queryRecordings('standup', 'default');
   * for (const r of recordings) console.log(r.filename, r.durationMs, r.url);
   * ```
   * @throws StreamVideoError `permission_denied` for a user who is not a member of the call.
   */
  async queryRecordings(callId: string, callType: string): Promise<QueryRecordingsResponse> {
    return plainRecordings(await this.callAction('queryRecordings', callId, callType, {}));
  }

  /**
   * Deletes a recording of the call `callType:callId`: its file goes and its URLs stop working.
   * Needs `stop-record-call` and to be a member.
   * @param filename the recording's `filename`, from `queryRecordings` or `call.recording_ready`.
   * @throws StreamVideoError `not_found` for a recording that is not there; `permission_denied`.
   */
  async deleteRecording(callId: string, callType: string, filename: string): Promise<void> {
    await this.callAction('deleteRecording', callId, callType, { filename: checkRecordingFilename('deleteRecording', filename) });
  }

  /**
   * Sends a `call.permission_request` event to all users connected to the call. The call
   * settings say which permissions can be requested (e.g. `send-audio`, `screenshare`).
   * @param data `{ permissions }`: the permissions to ask for.
   */
  async requestCallPermissions(callId: string, callType: string, data: { permissions: string[] }): Promise<RequestPermissionResponse> {
    return this.callAction('requestPermission', callId, callType, checkPermissionRequest('requestCallPermissions', data), 'requestCallPermissions');
  }

  /**
   * Allows you to grant or revoke a specific permission to a user in a call; permissions do
   * not survive the call. Supported: `send-audio`, `send-video` and `screenshare`.
   * `call.permissions_updated` is sent to all members.
   * @param data `{ userId, grantPermissions?, revokePermissions? }`.
   */
  async updateUserPermissions(
    callId: string,
    callType: string,
    data: { userId: string; grantPermissions?: string[]; revokePermissions?: string[] },
  ): Promise<UpdateUserPermissionsResponse> {
    return this.callAction('updateUserPermissions', callId, callType, checkPermissionUpdate('updateUserPermissions', data));
  }

  /**
   * Sets the `participant.isPinned` value.
   * @param sessionId the session id of the participant
   * @param isPinned the value to set the participant.isPinned
   * @throws StreamVideoError `not_found` when the joined call has no such participant.
   */
  setParticipantIsPinned(sessionId: string, isPinned: boolean): void {
    checkUserId('setParticipantIsPinned', 'sessionId', sessionId);
    if (typeof isPinned !== 'boolean') throw StreamVideoError.invalidArgument('setParticipantIsPinned', 'isPinned', 'must be a boolean');
    this.store.setPinned(sessionId, isPinned, 'setParticipantIsPinned');
  }

  /** @internal What tests may inspect; read it with `inspectClient` from `stream-video-client/testing`. */
  get [TEST_SEAM](): ClientProbe {
    return { ...probeSession(this.session), listeners: this.router.listenerCount };
  }

  private callAction<K extends SessionAction>(rpc: K, callId: string, callType: string, input: ActionInput<K>, method: string = rpc): Promise<RpcOutput<K>> {
    return this.checkCall(method, callId, callType).act(rpc, method, { type: callType, id: callId, ...input });
  }

  /** Checks a call's id and type and that a user is connected; returns the session. */
  private checkCall(method: string, id: string, type: string, idArg = 'callId', typeArg = 'callType'): UserSession {
    checkCallId(method, idArg, id);
    checkCallType(method, type, this.options.callTypes, typeArg);
    return this.requireSession(method);
  }

  private requireSession(method: string): UserSession {
    if (!this.session || this.session.hasEnded) throw notConnected(method);
    return this.session;
  }
}
