import type { PartialMessage } from '@protobuf-ts/runtime';
import { atom } from 'nanostores';
import type { JoinCallRequest } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { CallState } from '../../gen/stream/video/coordinator/v1/models';
import { toPlain } from '../plain/plain-data';
import { StreamVideoError } from '../errors/stream-video-error';
import { toStreamParticipant } from '../events/event-folder';
import { EMPTY_PARTICIPANTS } from '../store/participant-table';
import type { ActiveCallState } from '../store/state-store';
import type { GetOrCreateCallResponse } from '../plain/plain-types';
import { createMediaSession, type MediaSessionSeam } from '../media/create-media-session';
import type { MediaSession } from '../media/media-session';
import { createCallDevices, type CallDevices } from '../devices/call-devices';
import { Call, type CallHost } from './call';
import { sendCallRpc } from './call-actions';
import { newSessionId, toCallInput, type CallRequestData } from './call-request';
import type { FlowContext } from './flow-context';
import type { RingFlow } from './ring-flow';

/** How long the best-effort LeaveCall of an abandoned join may take, in ms. */
const ABANDONED_LEAVE_MS = 2_000;

/**
 * The join flow of one user session: joining a call (at most one join at a time, one
 * joined call), leaving it, and cleaning up after a join the session abandoned.
 */
export class JoinFlow {
  private joining: { cid: string; promise: Promise<Call> } | undefined;
  /** The joined call, its media and the join's answer, until the store no longer holds that call. */
  private current: { call: Call; media: MediaSession | undefined; devices: CallDevices; answer: GetOrCreateCallResponse } | undefined;
  /** A JoinCall request that may have reached the server, until its answer is applied. */
  private inFlight: { type: string; id: string; sessionId: string } | undefined;
  private readonly host: CallHost = {
    leaveCall: (call) => this.leave(call),
    participantsOf: (call) => (this.ctx.store.active?.call === call ? this.ctx.store.participants$.get() : EMPTY_PARTICIPANTS),
    isActive: (call) => this.ctx.store.active?.call === call,
    send: (call, rpc, input, method) => sendCallRpc(this.ctx, call.cid, rpc, input, method),
  };

  constructor(
    private readonly ctx: FlowContext,
    private readonly ring: RingFlow,
  ) {}

  /** The media of the joined call (its peer connections): the session hands it the folded events. */
  get media(): MediaSession | undefined {
    return this.current && this.ctx.store.active?.call === this.current.call ? this.current.media : undefined;
  }

  /**
   * The joined call changed (left, ended, re-synced away, the user disconnected): the media
   * of the call that was joined closes, with no connection or track left behind.
   * @param call the store's joined call now.
   */
  activeChanged(call: Readonly<Call> | undefined): void {
    if (!this.current || this.current.call === call) return;
    this.current.media?.close();
    this.current.devices.dispose();
    this.current = undefined;
  }

  /** What the join of `call` answered, as `getOrCreateCall` answers: the call, and whether the join created it. */
  answerOf(call: Call): GetOrCreateCallResponse {
    if (this.current?.call === call) return this.current.answer;
    return { call: { call: call.data, members: [...call.members], ownCapabilities: [...call.ownCapabilities], participants: [] }, created: false };
  }

  /** The cid of the call being joined, if any. */
  get joiningCid(): string | undefined {
    return this.joining?.cid;
  }

  /**
   * Joins the call `type:id` in one request, creating it when needed, and with `accept`
   * accepting its ring in the same request; joining the joined call returns it. A leave of
   * the same call still in flight is waited for, then the call is joined anew.
   * @throws StreamVideoError `failed_precondition` while in, or joining, another call.
   */
  async join(id: string, type: string, data: CallRequestData | undefined, accept = false): Promise<Call> {
    const cid = `${type}:${id}`;
    const method = accept ? 'acceptCall' : 'joinCall';
    const input = toCallInput(method, data);
    const leaving = this.ctx.store.active?.call.pendingLeave;
    if (leaving) await leaving.catch(() => {});
    const active = this.ctx.store.active?.call;
    if (active && !active.hasLeft) {
      if (active.cid !== cid) throw new StreamVideoError('failed_precondition', `already in call ${active.cid}: leave it first`, { method });
      if (accept) await this.ring.answer('acceptCall', id, type);
      if (this.current?.call === active) this.current.answer = { ...this.current.answer, created: false }; // it exists now
      return active;
    }
    if (this.joining) {
      if (this.joining.cid === cid) return this.joining.promise;
      throw new StreamVideoError('failed_precondition', `already joining call ${this.joining.cid}`, { method });
    }
    const request = {
      type,
      id,
      data: { members: input.members, settingsOverride: input.settingsOverride, custom: input.custom },
      ring: data?.ring ?? false,
      accept,
    };
    const joining = { cid, promise: this.run(cid, request, method) };
    this.joining = joining;
    try {
      return await joining.promise;
    } finally {
      if (this.joining === joining) this.joining = undefined;
    }
  }

  /** Leaves `call` with its session; the store forgets it once the server has answered. */
  async leave(call: Call): Promise<void> {
    const [type, ...rest] = call.cid.split(':');
    await this.ctx.coordinator.leaveCall({ type, id: rest.join(':'), sessionId: call.sessionId }, { session: this.ctx.rpc });
    if (this.ctx.store.active?.call === call) this.ctx.store.clearActiveCall();
  }

  /**
   * The session is ending: a join whose request may have reached the server is undone with
   * a bounded, best-effort LeaveCall (the server also drops participants whose user has no
   * live socket, after a grace period).
   */
  abandon(): void {
    const pending = this.inFlight;
    this.inFlight = undefined;
    if (!pending) return;
    const detached = { tokens: this.ctx.rpc.tokens, signal: new AbortController().signal };
    this.ctx.coordinator.leaveCall(pending, { session: detached, timeoutMs: ABANDONED_LEAVE_MS, idempotent: false }).catch((err: unknown) => {
      this.ctx.options.logger('debug', 'could not leave an abandoned join', { code: StreamVideoError.from(err).code });
    });
  }

  private mediaSeam(): MediaSessionSeam {
    const { options, coordinator, rpc, store, user } = this.ctx;
    return {
      RTCPeerConnection: options.RTCPeerConnection,
      statsIntervalMs: options.statsIntervalMs,
      logger: options.logger,
      coordinator,
      rpc,
      store,
      userId: user.id,
    };
  }

  private async run(cid: string, request: Omit<PartialMessage<JoinCallRequest>, 'sessionId'>, method: string): Promise<Call> {
    const { store, coordinator, rpc, gate } = this.ctx;
    await this.ctx.ready(method);
    const sessionId = newSessionId();
    let call: Call | undefined;
    this.inFlight = { type: request.type!, id: request.id!, sessionId };
    // Events about the call that overtake the join's answer are folded after it, in order.
    await gate.around(
      (e) => e.callCid === cid,
      () => coordinator.joinCall({ ...request, sessionId, latencyMeasurements: this.ctx.edges.current() }, { session: rpc }),
      (joined) => {
        if (rpc.signal.aborted) return;
        const state = joined.call && toPlain(CallState, joined.call);
        if (!state?.call || !joined.credentials) throw new StreamVideoError('internal', 'the join answer lacks the call or the credentials', { method });
        this.inFlight = undefined;
        const callState = atom<ActiveCallState>({ data: state.call, members: state.members, ownCapabilities: state.ownCapabilities });
        const { type, id } = state.call;
        const media = createMediaSession({ type, id, sessionId, ownCapabilities: () => callState.get().ownCapabilities }, joined.credentials, this.mediaSeam());
        const { options, router } = this.ctx;
        const devices = createCallDevices({
          media,
          store,
          devices: options.mediaDevices,
          preferences: options.devicePreferences,
          logger: options.logger,
          statsIntervalMs: options.statsIntervalMs,
          emit: (event) => router.emit(event.type, event),
          ownCapabilities: () => callState.get().ownCapabilities,
        });
        call = new Call(callState, joined.credentials, sessionId, this.host, media, devices);
        this.current = { call, media, devices, answer: { call: state, created: joined.created } };
        store.setActiveCall(call, cid, callState);
        store.removePending(cid);
        store.callRecordingInProgress$.set(state.call.recording);
        store.updateParticipants((t) => {
          t.clear();
          t.setLocalSession(sessionId);
          for (const p of state.participants) t.upsert(toStreamParticipant(p));
        });
      },
    );
    if (!call || rpc.signal.aborted) throw new StreamVideoError('disconnected', 'the user session ended', { method });
    return call;
  }
}
