import { atom, batch, computed, type ReadableAtom } from 'nanostores';
import type { CallAccepted, PermissionRequest } from '../../gen/stream/video/coordinator/v1/events';
import { StreamVideoError } from '../errors/stream-video-error';
import type { Plain } from '../plain/plain-data';
import type { CallData, CallState, Member, User } from '../plain/plain-types';
import type { ConnectionState } from '../ws/connection-state';
import type { CallStatsReport } from './call-stats-report';
import { EMPTY_PARTICIPANTS, ParticipantTable, type ParticipantList, type StreamParticipant } from './participant-table';
import { PendingPermissionRequests } from './permission-requests';
import { readOnly } from './read-only';

/** A call that rings: incoming (someone rings the connected user) or outgoing (the user rings). */
export interface PendingCall {
  /** `incoming` when someone else rings the connected user, `outgoing` when the user created the ringing call. */
  readonly direction: 'incoming' | 'outgoing';
  /** The call, its members and the user's capabilities in it. */
  readonly call: CallState;
  /**
   * Who rings: the caller for an incoming call, the connected user for an outgoing one (for
   * a ring loaded at `connectUser` or by a re-sync: the call's creator as its member list
   * describes them); `undefined` when the server described no one.
   */
  readonly ringer: User | undefined;
  /** When the ring was seen (or loaded), epoch ms. */
  readonly since: number;
}

/** What every coordinator event carries besides its payload. */
export interface CoordinatorEventBase<T extends string> {
  /** The event name, e.g. `call.ring`. */
  type: T;
  /** The call the event is about, `type:id`. */
  callCid: string;
  /** The user's sequence number of this event: each is delivered once, in order. */
  seq: number;
  /** When the server created the event; the epoch (`new Date(0)`) when the server did not say. */
  createdAt: Date;
}

/** The `call.accepted` event of an outgoing call. */
export type CallAcceptedEvent = CoordinatorEventBase<'call.accepted'> & Plain<CallAccepted>;
/** The `call.permission_request` event. */
export type PermissionRequestEvent = CoordinatorEventBase<'call.permission_request'> & Plain<PermissionRequest>;

/** The joined call's data as the server last described it. */
export interface ActiveCallState {
  /** The call's data: type, id, cid, creator, settings, recording. */
  readonly data: CallData;
  /** The call's members. */
  readonly members: readonly Member[];
  /** What the connected user may do in the call, e.g. `send-audio`. */
  readonly ownCapabilities: readonly string[];
}

/**
 * The reactive state, read-only, over the type of the joined call's handle (the SDK's is
 * `StreamVideoReadOnlyStateStore`, with `Call`).
 */
export interface ReadOnlyStateStore<TCall> {
  /** The connected user, `undefined` when none. */
  connectedUser$: ReadableAtom<User | undefined>;
  /** The state of the real-time connection. */
  connectionState$: ReadableAtom<ConnectionState>;
  /** Every ringing call, incoming and outgoing. */
  pendingCalls$: ReadableAtom<readonly PendingCall[]>;
  /** Ringing calls that ring the connected user. */
  incomingCalls$: ReadableAtom<readonly PendingCall[]>;
  /** Ringing calls the connected user started. */
  outgoingCalls$: ReadableAtom<readonly PendingCall[]>;
  /**
   * The last `call.accepted` event of an outgoing call; cleared once that call is joined or
   * ends. A re-sync restores the first accept of the newest such call from the coordinator's
   * ring answers (its `seq` is then 0).
   */
  acceptedCall$: ReadableAtom<CallAcceptedEvent | undefined>;
  /** The call the user has joined. */
  activeCall$: ReadableAtom<TCall | undefined>;
  /** Participants of the active call, in join order. */
  participants$: ReadableAtom<ParticipantList>;
  /** The connected user's own participant in the active call. */
  localParticipant$: ReadableAtom<StreamParticipant | undefined>;
  /** Everyone in the active call but the local participant. */
  remoteParticipants$: ReadableAtom<ParticipantList>;
  /** Pinned participants, in join order (as the participants list). */
  pinnedParticipants$: ReadableAtom<ParticipantList>;
  /** The participant speaking the most, when the server says so. */
  dominantSpeaker$: ReadableAtom<StreamParticipant | undefined>;
  /** Whether the active call is being recorded. */
  callRecordingInProgress$: ReadableAtom<boolean>;
  /**
   * The newest permission request in the active call that no one has answered yet, for users
   * who may grant it (`update-call-permissions`); the user's own requests are not shown.
   * Cleared once `updateUserPermissions` answers that user (`call.permissions_updated`), the
   * user leaves the call, or the call ends; then the next newest one shows. A re-sync
   * restores the pending requests from the coordinator (their `seq` is then 0).
   */
  callPermissionRequest$: ReadableAtom<PermissionRequestEvent | undefined>;
  /** Whether a participant of the active call shares a screen (publishes `TrackType.SCREEN_SHARE`). */
  hasOngoingScreenShare$: ReadableAtom<boolean>;
  /** The media statistics of the active call, refreshed on an interval while in a call (`statsIntervalMs`). */
  callStatsReport$: ReadableAtom<CallStatsReport | undefined>;
  /**
   * Whether the browser refused to play remote audio (autoplay without a user gesture): the
   * audio bound with `call.bindAudioElement` is silent until `call.resumeAudio()` is called
   * from a click.
   */
  autoplayBlocked$: ReadableAtom<boolean>;
  /** The current value of `store`. */
  getCurrentValue<T>(store: ReadableAtom<T>): T;
}

/**
 * The writable store, inside the SDK only. Incoming and outgoing calls are computed stores;
 * the participant lists, the local participant, the dominant speaker and the screen-share
 * flag are set from the participant table whenever it changes.
 */
export class StreamVideoWriteableStateStore<TCall> {
  readonly connectedUser$ = atom<User | undefined>(undefined);
  readonly connectionState$ = atom<ConnectionState>('idle');
  readonly pendingCalls$ = atom<readonly PendingCall[]>([]);
  readonly acceptedCall$ = atom<CallAcceptedEvent | undefined>(undefined);
  readonly activeCall$ = atom<TCall | undefined>(undefined);
  readonly callRecordingInProgress$ = atom(false);
  /** The active call's unanswered permission requests; the newest is `callPermissionRequest$`. */
  readonly permissionRequests = new PendingPermissionRequests<PermissionRequestEvent>();
  readonly callPermissionRequest$ = this.permissionRequests.latest$;
  readonly dominantSpeakerSessionId$ = atom<string | undefined>(undefined);
  readonly callStatsReport$ = atom<CallStatsReport | undefined>(undefined);
  readonly autoplayBlocked$ = atom(false);
  readonly table = new ParticipantTable();

  readonly incomingCalls$ = computed(this.pendingCalls$, (calls) => calls.filter((c) => c.direction === 'incoming'));
  readonly outgoingCalls$ = computed(this.pendingCalls$, (calls) => calls.filter((c) => c.direction === 'outgoing'));
  // The participant stores are atoms the table's changes set (`publishParticipants`), not
  // computed stores: on the path of every participant event, six computed stores each
  // recomputed and notified, a third of the SDK's own time per event. Set in one batch, so a
  // listener of one never reads another one stale.
  readonly participants$ = atom<ParticipantList>(EMPTY_PARTICIPANTS);
  readonly remoteParticipants$ = atom<ParticipantList>(EMPTY_PARTICIPANTS);
  readonly pinnedParticipants$ = atom<ParticipantList>(EMPTY_PARTICIPANTS);
  readonly localParticipant$ = atom<StreamParticipant | undefined>(undefined);
  readonly dominantSpeaker$ = atom<StreamParticipant | undefined>(undefined);
  readonly hasOngoingScreenShare$ = atom(false);

  /**
   * The computed stores stay mounted for the life of the store. Unmounted, each `get()` of a
   * computed store mounts it, recomputes and unmounts it, and nanostores delays an unmount
   * by a 1 s timer: reading the store (or a listener leaving) would start a timer that keeps
   * the process alive after `disconnectUser`.
   */
  private readonly keepMounted = [this.incomingCalls$, this.outgoingCalls$].map((store) => store.listen(() => {}));

  constructor() {
    this.publishParticipants();
    this.dominantSpeakerSessionId$.listen((id) => this.dominantSpeaker$.set(id ? this.table.read(id) : undefined));
  }

  /** The read-only view handed to users. */
  readonly readOnly: ReadOnlyStateStore<TCall> = Object.freeze({
    connectedUser$: readOnly(this.connectedUser$),
    connectionState$: readOnly(this.connectionState$),
    pendingCalls$: readOnly(this.pendingCalls$),
    incomingCalls$: readOnly(this.incomingCalls$),
    outgoingCalls$: readOnly(this.outgoingCalls$),
    acceptedCall$: readOnly(this.acceptedCall$),
    activeCall$: readOnly(this.activeCall$),
    participants$: readOnly(this.participants$),
    localParticipant$: readOnly(this.localParticipant$),
    remoteParticipants$: readOnly(this.remoteParticipants$),
    pinnedParticipants$: readOnly(this.pinnedParticipants$),
    dominantSpeaker$: readOnly(this.dominantSpeaker$),
    callRecordingInProgress$: readOnly(this.callRecordingInProgress$),
    callPermissionRequest$: readOnly(this.callPermissionRequest$),
    hasOngoingScreenShare$: readOnly(this.hasOngoingScreenShare$),
    callStatsReport$: readOnly(this.callStatsReport$),
    autoplayBlocked$: readOnly(this.autoplayBlocked$),
    getCurrentValue: <T>(store: ReadableAtom<T>): T => store.get(),
  });

  /** Applies `change` to the participant table and publishes the new lists. O(1). */
  updateParticipants(change: (table: ParticipantTable) => boolean | void): void {
    if (change(this.table) === false) return;
    this.publishParticipants();
  }

  /** Sets the participant stores from the table: new lists, and the participants that changed. */
  private publishParticipants(): void {
    const s = this.table.snapshot();
    batch(() => {
      this.participants$.set(s.all);
      this.remoteParticipants$.set(s.remote);
      this.pinnedParticipants$.set(s.pinned);
      this.localParticipant$.set(s.local);
      this.dominantSpeaker$.set(s.get(this.dominantSpeakerSessionId$.get()));
      this.hasOngoingScreenShare$.set(this.table.hasScreenShare);
    });
  }

  /**
   * Pins or unpins a participant of the joined call.
   * @throws StreamVideoError `not_found` when the joined call has no such participant.
   */
  setPinned(sessionId: string, isPinned: boolean, method: string): void {
    if (!this.table.read(sessionId)) throw new StreamVideoError('not_found', `no participant "${sessionId}"`, { method });
    this.updateParticipants((t) => t.setPinned(sessionId, isPinned));
  }

  /** Adds or replaces a pending call (by cid). */
  upsertPending(call: PendingCall): void {
    const cid = call.call.call?.cid;
    this.pendingCalls$.set([...this.pendingCalls$.get().filter((c) => c.call.call?.cid !== cid), call]);
  }

  /** Removes the pending call `cid`; returns whether it was there. */
  removePending(cid: string): boolean {
    const calls = this.pendingCalls$.get();
    const next = calls.filter((c) => c.call.call?.cid !== cid);
    if (next.length === calls.length) return false;
    this.pendingCalls$.set(next);
    return true;
  }

  /** Shows `call` as the joined call `cid` (its owner, the session's join flow, keeps its state). */
  setActiveCall(call: TCall, cid: string): void {
    batch(() => {
      this.activeCall$.set(call);
      // The accepted outgoing call is now the joined one: it is no longer news.
      if (this.acceptedCall$.get()?.callCid === cid) this.acceptedCall$.set(undefined);
    });
  }

  /** Forgets the active call: participants, pins, dominant speaker, recording, requests. */
  clearActiveCall(): void {
    batch(() => {
      this.activeCall$.set(undefined);
      this.dominantSpeakerSessionId$.set(undefined);
      this.callRecordingInProgress$.set(false);
      this.permissionRequests.clear();
      this.callStatsReport$.set(undefined);
      this.autoplayBlocked$.set(false);
      this.updateParticipants((t) => t.clear());
    });
  }

  /** Back to the state of a new client (keeps the connection state). */
  reset(): void {
    batch(() => {
      this.clearActiveCall();
      this.connectedUser$.set(undefined);
      this.pendingCalls$.set([]);
      this.acceptedCall$.set(undefined);
    });
  }
}
