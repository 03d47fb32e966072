import { batch, type WritableAtom } from 'nanostores';
import { RingResponse } from '../../gen/stream/video/coordinator/v1/models';
import type { CallRef } from '../plain/call-ref';
import type { CallState, Participant } from '../plain/plain-types';
import type { Reaction } from '../../gen/stream/video/coordinator/v1/models';
import type { Plain } from '../plain/plain-data';
import type { ParticipantInsights, ParticipantReaction, StreamParticipant } from '../store/participant-table';
import type { ActiveCallState, StreamVideoWriteableStateStore } from '../store/state-store';
import type { CoordinatorEvent, CoordinatorEventMap } from './event-map';

/** The joined call as the folds see it: which call it is, its state, and its end. */
export interface FoldedCall {
  readonly ref: CallRef;
  /** The call's data, members and the user's capabilities in it, which its events update. */
  readonly state: WritableAtom<ActiveCallState>;
  /** The call ended: the joined call ends with it (its media closes, the store forgets it). */
  end(): void;
}

/** The store events fold into, with the connected user's id and the joined call. */
export interface FoldTarget {
  readonly store: StreamVideoWriteableStateStore<unknown>;
  /** The connected user's id. */
  readonly userId: string;
  /** The joined call, if any (its owner is the session's join flow). */
  joined(): FoldedCall | undefined;
}

/** The joined call when it is `cid`. */
function joinedAs(target: FoldTarget, cid: string): FoldedCall | undefined {
  const joined = target.joined();
  return joined?.ref.cid === cid ? joined : undefined;
}

type Folders = { [K in keyof CoordinatorEventMap]: (event: CoordinatorEventMap[K], target: FoldTarget) => void };

/**
 * How each event changes the store, one function per event name: a new event in the
 * schema fails to compile here until it is folded. Every fold sets absolute values, so an
 * event replayed after a snapshot changes nothing a newer event does not set again. Ring
 * timers follow `pendingCalls$` by themselves.
 */
export const EVENT_FOLDERS = {
  'call.created': () => {},
  'call.ring': (e, target) => {
    const { store } = target;
    if (!e.call?.call || e.call.call.endedAt || joinedAs(target, e.callCid)) return;
    store.upsertPending({ direction: 'incoming', call: e.call, ringer: e.user, since: Date.now() });
  },
  'call.accepted': (e, { store, userId }) => {
    const pending = store.pendingCalls$.get().find((c) => c.call.call?.cid === e.callCid);
    if (e.user?.id === userId) {
      // Accepted on another device of the same user: the ring is over here too.
      store.removePending(e.callCid);
      return;
    }
    if (pending?.direction === 'outgoing') {
      batch(() => {
        store.acceptedCall$.set(e);
        store.removePending(e.callCid);
      });
    }
  },
  'call.rejected': (e, { store, userId }) => {
    if (e.user?.id === userId) {
      store.removePending(e.callCid);
      return;
    }
    const pending = store.pendingCalls$.get().find((c) => c.call.call?.cid === e.callCid);
    if (pending?.direction !== 'outgoing') return;
    const rejected = rejections(pending.call);
    rejected.add(e.user?.id ?? '');
    const callees = pending.call.members.filter((m) => m.userId !== userId);
    if (callees.every((m) => rejected.has(m.userId))) store.removePending(e.callCid);
  },
  'call.cancelled': (e, { store }) => void store.removePending(e.callCid),
  'call.ended': (e, target) => {
    const { store } = target;
    batch(() => {
      store.removePending(e.callCid);
      if (store.acceptedCall$.get()?.callCid === e.callCid) store.acceptedCall$.set(undefined);
      joinedAs(target, e.callCid)?.end();
    });
  },
  'call.updated': (e, target) => {
    const { store } = target;
    const state = joinedAs(target, e.callCid)?.state;
    if (!e.call || !state) return;
    batch(() => {
      state.set({ ...state.get(), data: e.call! });
      store.callRecordingInProgress$.set(e.call!.recording);
    });
  },
  'call.members_updated': (e, target) => {
    const state = joinedAs(target, e.callCid)?.state;
    if (!state) return;
    const current = state.get();
    const removed = new Set(e.removedUserIds);
    const byId = new Map(current.members.filter((m) => !removed.has(m.userId)).map((m) => [m.userId, m]));
    for (const m of e.members) byId.set(m.userId, m);
    batch(() => {
      state.set({ ...current, data: e.call ?? current.data, members: [...byId.values()] });
      // No longer a member: without a session they are no longer in the call, their request is withdrawn.
      for (const userId of removed) withdrawIfGone(target.store, userId);
    });
  },
  'call.participant_joined': (e, target) => {
    if (!joinedAs(target, e.callCid) || !e.participant) return;
    const p = e.participant;
    target.store.updateParticipants((t) => t.upsert(toStreamParticipant(p)));
  },
  'call.participant_left': (e, target) => {
    const { store } = target;
    if (!joinedAs(target, e.callCid) || !e.participant) return;
    const { sessionId } = e.participant;
    const userId = e.participant.user?.id ?? '';
    batch(() => {
      store.updateParticipants((t) => t.remove(sessionId));
      if (store.dominantSpeakerSessionId$.get() === sessionId) store.dominantSpeakerSessionId$.set(undefined);
      // The user's last session left: their permission request is withdrawn.
      withdrawIfGone(store, userId);
    });
  },
  'call.dominant_speaker_changed': (e, target) => {
    if (joinedAs(target, e.callCid)) target.store.dominantSpeakerSessionId$.set(e.sessionId || undefined);
  },
  'call.permission_request': (e, target) => {
    // Only those who can grant it see a request (as the vendor's store does).
    const canGrant = joinedAs(target, e.callCid)?.state.get().ownCapabilities.includes('update-call-permissions');
    if (canGrant && e.user?.id !== target.userId) target.store.permissionRequests.add(e);
  },
  'call.permissions_updated': (e, target) => {
    const { store, userId } = target;
    const state = joinedAs(target, e.callCid)?.state;
    if (!state) return;
    batch(() => {
      // An update about a user answers their pending request (granted or denied).
      store.permissionRequests.remove(e.userId);
      if (e.userId !== userId) return;
      state.set({ ...state.get(), ownCapabilities: e.ownCapabilities });
      // Who may no longer grant sees no requests.
      if (!e.ownCapabilities.includes('update-call-permissions')) store.permissionRequests.clear();
    });
  },
  'call.recording_started': (e, target) => {
    if (joinedAs(target, e.callCid)) target.store.callRecordingInProgress$.set(true);
  },
  'call.recording_stopped': (e, target) => {
    if (joinedAs(target, e.callCid)) target.store.callRecordingInProgress$.set(false);
  },
  custom: () => {},
  'call.participant_updated': (e, target) => {
    const { store } = target;
    if (!joinedAs(target, e.callCid) || !e.participant) return;
    const p = e.participant;
    // Only a participant still in the call: an update overtaken by its leave changes nothing.
    if (store.table.read(p.sessionId)) store.updateParticipants((t) => t.upsert(toStreamParticipant(p)));
  },
  // Signals change no state: the joined call's media session handles them (after folding).
  'call.signal': () => {},
  // The SFU stopped or came back: the joined call's media session reconnects (after folding).
  'call.sfu_changed': () => {},
  'call.reaction_new': (e, target) => {
    const r = e.reaction;
    if (joinedAs(target, e.callCid) && r) target.store.updateParticipants((t) => t.setReaction(r.sessionId, toReaction(r)));
  },
  // The muted sessions' published tracks come with `call.participant_updated`; the muted
  // client stops its tracks after folding (see `call/moderation-effects.ts`).
  'call.user_muted': () => {},
  'call.kicked_user': (e, target) => {
    if (e.user?.id === target.userId) joinedAs(target, e.callCid)?.end();
  },
  'call.blocked_user': (e, target) => {
    const { store } = target;
    batch(() => {
      setBlocked(target, e.callCid, e.blockedUserIds);
      if (e.user?.id !== target.userId) return;
      store.removePending(e.callCid);
      if (store.acceptedCall$.get()?.callCid === e.callCid) store.acceptedCall$.set(undefined);
      joinedAs(target, e.callCid)?.end();
    });
  },
  'call.unblocked_user': (e, target) => setBlocked(target, e.callCid, e.blockedUserIds),
  // A recording became a file, or could not: nothing in the store; apps list recordings with queryRecordings.
  'call.recording_ready': () => {},
  'call.recording_failed': () => {},
} satisfies Folders;

/** Sets the joined call's blocked users (absolute: the event carries the whole list). */
function setBlocked(target: FoldTarget, cid: string, blockedUserIds: string[]): void {
  const state = joinedAs(target, cid)?.state;
  if (state) state.set({ ...state.get(), data: { ...state.get().data, blockedUserIds } });
}

/** Folds one event into the store. */
export function foldEvent(event: CoordinatorEvent, target: FoldTarget): void {
  (EVENT_FOLDERS[event.type] as (e: CoordinatorEvent, t: FoldTarget) => void)(event, target);
}

/** A participant of the schema in the store's form (without the flags the table sets). */
export function toStreamParticipant(
  p: Participant,
): Omit<StreamParticipant, 'isLocalParticipant' | 'isPinned' | 'mediaConnectionState' | 'trackStates' | keyof ParticipantInsights> {
  const user = p.user ?? { id: '', name: '', imageUrl: '', role: '' };
  return {
    sessionId: p.sessionId,
    userId: user.id,
    user,
    role: p.role,
    joinedAt: p.joinedAt ?? new Date(0),
    publishedTracks: p.publishedTracks,
    reaction: p.reaction ? toReaction(p.reaction) : undefined,
  };
}

/** A reaction of the schema in the store's form. */
function toReaction(r: Plain<Reaction>): ParticipantReaction {
  return { type: r.type, emojiCode: r.emojiCode, custom: r.custom ?? {}, createdAt: r.createdAt ?? new Date(0) };
}

/**
 * Withdraws the permission request of `userId` when they have no session left in the joined
 * call, as the coordinator does when their last session leaves or they stop being a member.
 * Reads the participants only when the user has a request, so a participant leaving stays O(1).
 */
function withdrawIfGone(store: StreamVideoWriteableStateStore<unknown>, userId: string): void {
  if (!store.permissionRequests.has(userId)) return;
  for (const p of store.table.iterate('all')) if (p.userId === userId) return;
  store.permissionRequests.remove(userId);
}

/** Who rejected a ringing call's ring: those the call's state says, then each `call.rejected` seen. */
const REJECTIONS = new WeakMap<CallState, Set<string>>();
function rejections(call: CallState): Set<string> {
  let set = REJECTIONS.get(call);
  if (!set) REJECTIONS.set(call, (set = new Set(call.rungMembers.filter((r) => r.response === RingResponse.REJECTED).map((r) => r.userId))));
  return set;
}
