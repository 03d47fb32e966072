import { atom, type ReadableAtom, type WritableAtom } from 'nanostores';
import type { RpcOutput, StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import type { FoldedCall } from '../events/event-folder';
import type { CallDevices } from '../devices/call-devices';
import type { CallMedia } from '../media/call-media';
import type { ElementBindings } from '../media/element-bindings';
import type { CallRef } from '../plain/call-ref';
import type { Credentials, GetOrCreateCallResponse } from '../plain/plain-types';
import { EMPTY_PARTICIPANTS, type ParticipantList } from '../store/participant-table';
import type { ActiveCallState, StreamVideoWriteableStateStore } from '../store/state-store';
import { Call, type CallOwner } from './call';
import { sendCallRpc, type CallRpc, type CallRpcInput } from './call-actions';

/**
 * Where the joined call is in its life:
 * - `joined`: in the call;
 * - `leaving`: the media is closed and LeaveCall is in flight (a failed leave goes back to `joined`);
 * - `left`: left, ended, gone from a re-sync, or the user disconnected: for good.
 */
export type ActiveCallPhase = { readonly kind: 'joined' } | { readonly kind: 'leaving'; readonly done: Promise<void> } | { readonly kind: 'left' };

/** What an {@link ActiveCall} is made with. */
export interface ActiveCallInit {
  readonly ref: CallRef;
  /** This session's id in the call. */
  readonly sessionId: string;
  readonly credentials: Credentials;
  /** The call as the join answered it. */
  readonly answer: GetOrCreateCallResponse;
  /** The call's data, members and capabilities as the join answered them. */
  readonly state: ActiveCallState;
  /** Makes the call's media (`undefined` without WebRTC), reading the user's capabilities now. */
  media(ownCapabilities: () => readonly string[]): CallMedia | undefined;
  /** Makes what follows the elements the app binds to the participants' tracks, for the call's media. */
  bindings(media: CallMedia): ElementBindings;
  /** Makes the call's camera, microphone, speaker and screen share, on its media. */
  devices(media: CallMedia | undefined, ownCapabilities: () => readonly string[]): CallDevices;
  readonly store: StreamVideoWriteableStateStore<Call>;
  readonly coordinator: StreamCoordinatorClient;
  readonly rpc: RpcSession;
  /** Resolves once the socket is connected (waits for a reconnect, bounded). */
  ready(method: string): Promise<void>;
  /** Called once when the call is over for this session, whatever ended it. */
  onEnded(call: ActiveCall): void;
}

/**
 * The joined call's one owner: the `Call` users hold, its media (and the elements bound to it), its state (which
 * the call's events update), the join's answer and the pending leave. The session's join
 * flow holds the one joined call; everything else reads it from there. It ends once
 * ({@link ActiveCall.end}): its media closes and the store forgets it.
 *
 * ```ts
 * const active = new ActiveCall({ ref, sessionId, credentials, answer, state, media, store, coordinator, rpc, ready, onEnded });
 * await active.leave();
 * ```
 */
export class ActiveCall implements FoldedCall, CallOwner {
  readonly ref: CallRef;
  readonly sessionId: string;
  /** The call's data, members and capabilities; its events update it while joined, and it keeps the last value after. */
  readonly state: WritableAtom<ActiveCallState>;
  readonly media: CallMedia | undefined;
  /** The elements the app bound to the participants' tracks; none without media. */
  readonly bindings: ElementBindings | undefined;
  /** The call's camera, microphone, speaker and screen share, and what is measured of its media. */
  readonly devices: CallDevices;
  /** The handle users hold. */
  readonly call: Call;
  private phase: ActiveCallPhase = { kind: 'joined' };
  private joinAnswer: GetOrCreateCallResponse;

  constructor(private readonly init: ActiveCallInit) {
    this.ref = init.ref;
    this.sessionId = init.sessionId;
    this.joinAnswer = init.answer;
    const state = atom(init.state);
    this.state = state;
    this.media = init.media(() => state.get().ownCapabilities);
    this.bindings = this.media && init.bindings(this.media);
    this.devices = init.devices(this.media, () => state.get().ownCapabilities);
    this.call = new Call(this, init.credentials, init.sessionId);
  }

  /** The call's state, read-only (what the `Call` reads). */
  get state$(): ReadableAtom<ActiveCallState> {
    return this.state;
  }

  /** What the join answered, as `getOrCreateCall` answers: the call, and whether the join created it. */
  get answer(): GetOrCreateCallResponse {
    return this.joinAnswer;
  }

  /** The call was joined again: it exists now, whoever created it. */
  joinedAgain(): void {
    this.joinAnswer = { ...this.joinAnswer, created: false };
  }

  /** Whether the call is over for this session. */
  get hasLeft(): boolean {
    return this.phase.kind === 'left';
  }

  /** The leave in flight, if any. */
  get pendingLeave(): Promise<void> | undefined {
    return this.phase.kind === 'leaving' ? this.phase.done : undefined;
  }

  /** The participants: the store's while joined, none after. */
  get participants(): ParticipantList {
    return this.hasLeft ? EMPTY_PARTICIPANTS : this.init.store.participants$.get();
  }

  /** Sends an RPC about the call as the session's user, once the socket is connected. */
  send<K extends CallRpc>(rpc: K, input: CallRpcInput<K>, method: string): Promise<RpcOutput<K>> {
    return sendCallRpc(this.init, this.ref, rpc, input, method);
  }

  /**
   * Leaves the call: the media closes at once, then LeaveCall; the call ends once the server
   * answered. A leave in flight is shared; a failed one can be tried again.
   */
  leave(): Promise<void> {
    const phase = this.phase;
    if (phase.kind === 'left') return Promise.resolve();
    if (phase.kind === 'leaving') return phase.done;
    this.closeMedia();
    const { coordinator, rpc } = this.init;
    const { ref, sessionId } = this;
    const done: Promise<void> = coordinator.leaveCall({ type: ref.type, id: ref.id, sessionId }, { session: rpc }).then(
      () => this.end(),
      (err: unknown) => {
        if (this.phase.kind === 'leaving' && this.phase.done === done) this.phase = { kind: 'joined' };
        throw err;
      },
    );
    this.phase = { kind: 'leaving', done };
    return done;
  }

  /** The call is over for this session (left, ended, gone from a re-sync, the user disconnected): its media closes and the store forgets it. Idempotent. */
  end(): void {
    if (this.phase.kind === 'left') return;
    this.phase = { kind: 'left' };
    this.closeMedia();
    const { store } = this.init;
    if (store.activeCall$.get() === this.call) store.clearActiveCall();
    this.init.onEnded(this);
  }

  private closeMedia(): void {
    this.bindings?.close();
    this.media?.close();
    this.devices.dispose();
  }
}
