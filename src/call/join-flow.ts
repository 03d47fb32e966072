import type { PartialMessage } from '@protobuf-ts/runtime';
import type { JoinCallRequest } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { CallState } from '../../gen/stream/video/coordinator/v1/models';
import { toPlain } from '../plain/plain-data';
import { sessionEnded } from '../errors/errors';
import { StreamVideoError } from '../errors/stream-video-error';
import { toStreamParticipant } from '../events/event-folder';
import type { Credentials, GetOrCreateCallResponse } from '../plain/plain-types';
import type { CallRef } from '../plain/call-ref';
import { createMediaSession } from '../media/create-media-session';
import { ElementBindings } from '../media/element-bindings';
import { createCallDevices } from '../devices/call-devices';
import { ActiveCall } from './active-call';
import type { Call } from './call';
import { newSessionId, toCallInput, type CallRequestData } from './call-request';
import type { FlowContext } from './flow-context';

/** How long the best-effort LeaveCall of an abandoned join may take, in ms. */
const ABANDONED_LEAVE_MS = 2_000;

/**
 * The session's call, as one value: none, one being joined (its outcome shared by every
 * caller), or the joined one, which owns the rest (its media, state and pending leave).
 */
export type CallSlot =
  | { readonly kind: 'none' }
  | { readonly kind: 'joining'; readonly ref: CallRef; readonly done: Promise<Call> }
  | { readonly kind: 'joined'; readonly active: ActiveCall };

/**
 * The join flow of one user session: joining a call (at most one join at a time, one
 * joined call), and cleaning up after a join the session abandoned.
 */
export class JoinFlow {
  private slot: CallSlot = { kind: 'none' };

  /**
   * @param ctx what the session's flows share.
   * @param acceptRing accepts the ring of a call (the ring flow's answer), for an accept of the joined call.
   */
  constructor(
    private readonly ctx: FlowContext,
    private readonly acceptRing: (ref: CallRef) => Promise<void>,
  ) {}

  /** The joined call, until it is over for this session. */
  get active(): ActiveCall | undefined {
    return this.slot.kind === 'joined' ? this.slot.active : undefined;
  }

  /** Whether the call `cid` is being joined. */
  isJoining(cid: string): boolean {
    return this.slot.kind === 'joining' && this.slot.ref.cid === cid;
  }

  /** What the join of `call` answered, as `getOrCreateCall` answers: the call, and whether the join created it. */
  answerOf(call: Call): GetOrCreateCallResponse {
    if (this.active?.call === call) return this.active.answer;
    return {
      call: {
        call: call.data,
        members: [...call.members],
        ownCapabilities: [...call.ownCapabilities],
        participants: [],
        rungMembers: [],
        pendingPermissionRequests: [],
      },
      created: false,
    };
  }

  /**
   * Joins the call `ref` in one request, creating it when needed, and with `accept`
   * accepting its ring in the same request; joining the joined call returns it. A leave of
   * the same call still in flight is waited for, then the call is joined anew.
   * @throws StreamVideoError `failed_precondition` while in, or joining, another call.
   */
  async join(ref: CallRef, data: CallRequestData | undefined, accept = false): Promise<Call> {
    const method = accept ? 'acceptCall' : 'joinCall';
    const input = toCallInput(method, data);
    const leaving = this.active?.pendingLeave;
    if (leaving) await leaving.catch(() => {});
    const slot = this.slot;
    if (slot.kind === 'joined') {
      const { active } = slot;
      if (active.ref.cid !== ref.cid) throw new StreamVideoError('failed_precondition', `already in call ${active.ref.cid}: leave it first`, { method });
      if (accept) await this.acceptRing(ref);
      active.joinedAgain();
      return active.call;
    }
    if (slot.kind === 'joining') {
      if (slot.ref.cid === ref.cid) return slot.done;
      throw new StreamVideoError('failed_precondition', `already joining call ${slot.ref.cid}`, { method });
    }
    const request = {
      type: ref.type,
      id: ref.id,
      data: { members: input.members, settingsOverride: input.settingsOverride, custom: input.custom },
      ring: data?.ring ?? false,
      accept,
    };
    const done = this.run(ref, request, method);
    this.slot = { kind: 'joining', ref, done };
    try {
      return await done;
    } finally {
      if (this.slot.kind === 'joining' && this.slot.done === done) this.slot = { kind: 'none' };
    }
  }

  /** The session is ending: the joined call ends with it (a join in flight fails with `disconnected` by itself). */
  close(): void {
    this.active?.end();
  }

  private async run(ref: CallRef, request: Omit<PartialMessage<JoinCallRequest>, 'sessionId'>, method: string): Promise<Call> {
    const { store, coordinator, rpc, gate } = this.ctx;
    await this.ctx.ready(method);
    const sessionId = newSessionId();
    let active: ActiveCall | undefined;
    try {
      // Events about the call that overtake the join's answer are folded after it, in order.
      await gate.around(
        (e) => e.callCid === ref.cid,
        () => coordinator.joinCall({ ...request, sessionId, latencyMeasurements: this.ctx.edges.current() }, { session: rpc }),
        (joined) => {
          if (rpc.signal.aborted) return;
          const state = joined.call && toPlain(CallState, joined.call);
          if (!state?.call || !joined.credentials) throw new StreamVideoError('internal', 'the join answer lacks the call or the credentials', { method });
          active = this.joined(ref, sessionId, joined.credentials, { call: state, created: joined.created });
          store.setActiveCall(active.call, ref.cid);
          store.removePending(ref.cid);
          store.callRecordingInProgress$.set(state.call.recording);
          store.updateParticipants((t) => {
            t.clear();
            t.setLocalSession(sessionId);
            for (const p of state.participants) t.upsert(toStreamParticipant(p));
          });
        },
      );
    } catch (err) {
      if (rpc.signal.aborted) this.leaveAbandoned(ref, sessionId);
      throw err;
    }
    if (!active) {
      // The session ended while the request was in flight: the server may have joined it.
      this.leaveAbandoned(ref, sessionId);
      throw sessionEnded(method);
    }
    return active.call;
  }

  /** Makes the joined call, its state and its media, and holds it as the session's call. */
  private joined(ref: CallRef, sessionId: string, credentials: Credentials, answer: GetOrCreateCallResponse): ActiveCall {
    const { options, coordinator, rpc, store, user, events, router } = this.ctx;
    const state = answer.call!;
    const active = new ActiveCall({
      ref,
      sessionId,
      credentials,
      answer,
      state: { data: state.call!, members: state.members, ownCapabilities: state.ownCapabilities },
      media: (ownCapabilities) =>
        createMediaSession({ ref, topology: state.call!.settings?.media?.topology ?? '', sessionId, ownCapabilities }, credentials, {
          RTCPeerConnection: options.RTCPeerConnection,
          statsIntervalMs: options.statsIntervalMs,
          logger: options.logger,
          coordinator,
          rpc,
          store,
          userId: user.id,
          events,
          network: options.network,
        }),
      bindings: (media) => new ElementBindings(media, store.participants$, options.logger),
      devices: (media, ownCapabilities) =>
        createCallDevices({
          media,
          store,
          devices: options.mediaDevices,
          preferences: options.devicePreferences,
          logger: options.logger,
          statsIntervalMs: options.statsIntervalMs,
          emit: (event) => router.emit(event.type, event),
          ownCapabilities,
        }),
      store,
      coordinator,
      rpc,
      ready: (method) => this.ctx.ready(method),
      onEnded: (ended) => {
        if (this.slot.kind === 'joined' && this.slot.active === ended) this.slot = { kind: 'none' };
      },
    });
    this.slot = { kind: 'joined', active };
    return active;
  }

  /**
   * A join whose request may have reached the server was abandoned by the session ending: it
   * is undone with a bounded, best-effort LeaveCall (the server also drops participants whose
   * user has no live socket, after a grace period).
   */
  private leaveAbandoned(ref: CallRef, sessionId: string): void {
    const detached = { tokens: this.ctx.rpc.tokens, signal: new AbortController().signal };
    this.ctx.coordinator
      .leaveCall({ type: ref.type, id: ref.id, sessionId }, { session: detached, timeoutMs: ABANDONED_LEAVE_MS, idempotent: false })
      .catch((err: unknown) => {
        this.ctx.options.logger('debug', 'could not leave an abandoned join', { code: StreamVideoError.from(err).code });
      });
  }
}
