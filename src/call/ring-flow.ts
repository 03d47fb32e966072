import { CallEventType, GetOrCreateCallResponse as WireGetOrCreateCallResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { toPlain } from '../plain/plain-data';
import type { CallState, GetOrCreateCallResponse } from '../plain/plain-types';
import { callRef, type CallRef } from '../plain/call-ref';
import { StreamVideoError } from '../errors/stream-video-error';
import type { PendingCall } from '../store/state-store';
import { CallDropScheduler, type DropAction } from './call-drop-scheduler';
import type { CallRequestData } from './call-request';
import { toCallInput } from './call-request';
import type { FlowContext } from './flow-context';
import { RingSounds } from './ring-sounds';

/** The ring-flow answers, by the SDK member that sends them. */
const ANSWERS = {
  acceptCall: CallEventType.ACCEPTED,
  rejectCall: CallEventType.REJECTED,
  cancelCall: CallEventType.CANCELLED,
} as const;

/** An SDK member that answers a ring. */
export type RingAnswer = keyof typeof ANSWERS;

/** What the ring flow knows of the session's joined call (the join flow owns it). */
export interface JoinedCallInfo {
  /** The cid of the joined call, if any. */
  joinedCid(): string | undefined;
  /** Whether the call `cid` is being joined (it can then no longer be cancelled). */
  isJoining(cid: string): boolean;
}

/**
 * The ring flow of one user session: creating calls (and ringing their members),
 * answering rings, and the ring timers, which follow the store's ringing calls: an
 * unanswered outgoing ring is cancelled, an unanswered incoming one rejected, after the
 * call config's timeouts (or the call's own `settings.ring`).
 */
export class RingFlow {
  private readonly timers = new CallDropScheduler((cid, action) => this.onTimeout(cid, action));
  private readonly sounds: RingSounds | undefined;
  private readonly unsubscribe: () => void;
  /** Incoming rings already looked at for `autoRejectWhenInCall`. */
  private readonly seen = new Set<string>();

  /**
   * @param ctx what the session's flows share.
   * @param joined the session's joined call, and the call being joined.
   */
  constructor(
    private readonly ctx: FlowContext,
    private readonly joined: JoinedCallInfo,
  ) {
    const config = ctx.callConfig;
    if (config.playSounds) this.sounds = new RingSounds(config.ringtone, config.ringbackTone);
    this.unsubscribe = ctx.store.pendingCalls$.subscribe((calls) => {
      this.timers.sync(new Map(calls.map((p) => [p.call.call!.cid, this.timerOf(p)])));
      this.sounds?.follow(calls);
      if (config.autoRejectWhenInCall) this.rejectWhenBusy(calls);
    });
  }

  /** Ring timers running now. */
  get timerCount(): number {
    return this.timers.size;
  }

  /**
   * Gets or creates the call and, with `ring`, rings its members. A ring the user starts
   * becomes an outgoing pending call. Events about the call that overtake the answer are
   * folded after it.
   */
  async create(id: string, type: string, data: CallRequestData | undefined, ring: boolean): Promise<GetOrCreateCallResponse> {
    const { members, custom, settingsOverride } = toCallInput('getOrCreateCall', data);
    const { store, coordinator, rpc, gate, user } = this.ctx;
    await this.ctx.ready('getOrCreateCall');
    return gate.around(
      (e) => e.callCid === `${type}:${id}`,
      async () =>
        toPlain(
          WireGetOrCreateCallResponse,
          await coordinator.getOrCreateCall({ type, id, ring, data: { members, settingsOverride, custom } }, { session: rpc }),
        ),
      (response) => {
        const state = response.call;
        if (ring && state?.call && state.call.createdByUserId === user.id && state.call.ringing && this.joined.joinedCid() !== state.call.cid) {
          store.upsertPending({ direction: 'outgoing', call: state, ringer: user, since: Date.now() });
        }
      },
    );
  }

  /**
   * Sends an answer to a ring (accepted, rejected or cancelled) and forgets the ringing call.
   * The server treats a repeated answer as done, so it is safe to send again.
   */
  async answer(method: RingAnswer, ref: CallRef, reason = ''): Promise<void> {
    if (method === 'cancelCall' && (this.joined.joinedCid() === ref.cid || this.joined.isJoining(ref.cid))) {
      throw new StreamVideoError('failed_precondition', 'cannot cancel a joined call: leave it', { method });
    }
    await this.ctx.ready(method);
    await this.ctx.coordinator.sendCallEvent({ type: ref.type, id: ref.id, eventType: ANSWERS[method], reason }, { idempotent: true, session: this.ctx.rpc });
    this.ctx.store.removePending(ref.cid);
  }

  /** Stops the timers and the sounds, and stops following the ringing calls. */
  dispose(): void {
    this.unsubscribe();
    this.timers.clearAll();
    this.sounds?.dispose();
  }

  /** A ring that comes while the user is in another call is rejected at once, as `busy`. */
  private rejectWhenBusy(calls: readonly PendingCall[]): void {
    const active = this.joined.joinedCid();
    for (const p of calls) {
      const cid = p.call.call!.cid;
      if (p.direction !== 'incoming' || this.seen.has(cid)) continue;
      this.seen.add(cid);
      if (!active || active === cid) continue;
      const { type, id } = p.call.call!;
      this.ctx.store.removePending(cid);
      this.answer('rejectCall', callRef(type, id), 'busy').catch((err: unknown) => {
        this.ctx.options.logger('warn', `could not reject ${cid} while in another call`, { code: StreamVideoError.from(err).code });
      });
    }
    for (const cid of this.seen) if (!calls.some((p) => p.call.call!.cid === cid)) this.seen.delete(cid);
  }

  private timerOf(p: PendingCall): { action: DropAction; timeoutMs: number } {
    return p.direction === 'incoming'
      ? { action: 'reject', timeoutMs: this.timeout(p.call, 'incoming') }
      : { action: 'cancel', timeoutMs: this.timeout(p.call, 'outgoing') };
  }

  /** A non-zero call config timeout wins over the call's own ring settings. */
  private timeout(call: CallState, direction: 'incoming' | 'outgoing'): number {
    const config = this.ctx.callConfig;
    const configured = direction === 'incoming' ? config.autoRejectTimeoutInMs : config.autoCancelTimeoutInMs;
    if (configured > 0) return configured;
    const ring = call.call?.settings?.ring;
    return (direction === 'incoming' ? ring?.incomingCallTimeoutMs : ring?.outgoingCallTimeoutMs) ?? 0;
  }

  private onTimeout(cid: string, action: DropAction): void {
    const { store } = this.ctx;
    // The timers follow the ringing calls: the call is still among them.
    const call = store.pendingCalls$.get().find((p) => p.call.call?.cid === cid)?.call.call;
    store.removePending(cid);
    if (!call) return;
    this.answer(action === 'cancel' ? 'cancelCall' : 'rejectCall', callRef(call.type, call.id)).catch((err: unknown) => {
      this.ctx.options.logger('warn', `could not ${action} ${cid}`, { code: StreamVideoError.from(err).code });
    });
  }
}
