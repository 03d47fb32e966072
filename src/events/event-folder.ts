import { batch } from 'nanostores';
import type { CallState, Participant } from '../plain/plain-types';
import type { Reaction } from '../../gen/stream/video/coordinator/v1/models';
import type { Plain } from '../plain/plain-data';
import type { ParticipantInsights, ParticipantReaction, StreamParticipant } from '../store/participant-table';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import type { CoordinatorEvent, CoordinatorEventMap } from './event-map';

/** The store events fold into, with the connected user's id. */
export interface FoldTarget {
  readonly store: StreamVideoWriteableStateStore<unknown>;
  /** The connected user's id. */
  readonly userId: string;
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
  'call.ring': (e, { store }) => {
    if (!e.call?.call || e.call.call.endedAt || store.active?.cid === e.callCid) return;
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
  'call.ended': (e, { store }) => {
    batch(() => {
      store.removePending(e.callCid);
      if (store.acceptedCall$.get()?.callCid === e.callCid) store.acceptedCall$.set(undefined);
      if (store.active?.cid === e.callCid) store.clearActiveCall();
    });
  },
  'call.updated': (e, { store }) => {
    const state = store.activeState(e.callCid);
    if (!e.call || !state) return;
    batch(() => {
      state.set({ ...state.get(), data: e.call! });
      store.callRecordingInProgress$.set(e.call!.recording);
    });
  },
  'call.members_updated': (e, { store }) => {
    const state = store.activeState(e.callCid);
    if (!state) return;
    const current = state.get();
    const removed = new Set(e.removedUserIds);
    const byId = new Map(current.members.filter((m) => !removed.has(m.userId)).map((m) => [m.userId, m]));
    for (const m of e.members) byId.set(m.userId, m);
    state.set({ ...current, data: e.call ?? current.data, members: [...byId.values()] });
  },
  'call.participant_joined': (e, { store }) => {
    if (store.active?.cid !== e.callCid || !e.participant) return;
    const p = e.participant;
    store.updateParticipants((t) => t.upsert(toStreamParticipant(p)));
  },
  'call.participant_left': (e, { store }) => {
    if (store.active?.cid !== e.callCid || !e.participant) return;
    const sessionId = e.participant.sessionId;
    batch(() => {
      store.updateParticipants((t) => t.remove(sessionId));
      if (store.dominantSpeakerSessionId$.get() === sessionId) store.dominantSpeakerSessionId$.set(undefined);
    });
  },
  'call.dominant_speaker_changed': (e, { store }) => {
    if (store.active?.cid === e.callCid) store.dominantSpeakerSessionId$.set(e.sessionId || undefined);
  },
  'call.permission_request': (e, { store, userId }) => {
    // Only those who can grant it see a request (as the vendor's store does).
    const canGrant = store.activeState(e.callCid)?.get().ownCapabilities.includes('update-call-permissions');
    if (canGrant && e.user?.id !== userId) store.callPermissionRequest$.set(e);
  },
  'call.permissions_updated': (e, { store, userId }) => {
    const state = store.activeState(e.callCid);
    if (state && e.userId === userId) state.set({ ...state.get(), ownCapabilities: e.ownCapabilities });
  },
  'call.recording_started': (e, { store }) => {
    if (store.active?.cid === e.callCid) store.callRecordingInProgress$.set(true);
  },
  'call.recording_stopped': (e, { store }) => {
    if (store.active?.cid === e.callCid) store.callRecordingInProgress$.set(false);
  },
  custom: () => {},
  'call.participant_updated': (e, { store }) => {
    if (store.active?.cid !== e.callCid || !e.participant) return;
    const p = e.participant;
    // Only a participant still in the call: an update overtaken by its leave changes nothing.
    if (store.table.read(p.sessionId)) store.updateParticipants((t) => t.upsert(toStreamParticipant(p)));
  },
  // Signals change no state: the joined call's media session handles them (after folding).
  'call.signal': () => {},
  'call.reaction_new': (e, { store }) => {
    const r = e.reaction;
    if (store.active?.cid === e.callCid && r) store.updateParticipants((t) => t.setReaction(r.sessionId, toReaction(r)));
  },
  // The muted sessions' published tracks come with `call.participant_updated`; the muted
  // client stops its tracks after folding (see `call/moderation-effects.ts`).
  'call.user_muted': () => {},
  'call.kicked_user': (e, { store, userId }) => {
    if (e.user?.id === userId && store.active?.cid === e.callCid) store.clearActiveCall();
  },
  'call.blocked_user': (e, { store, userId }) => {
    batch(() => {
      setBlocked(store, e.callCid, e.blockedUserIds);
      if (e.user?.id !== userId) return;
      store.removePending(e.callCid);
      if (store.acceptedCall$.get()?.callCid === e.callCid) store.acceptedCall$.set(undefined);
      if (store.active?.cid === e.callCid) store.clearActiveCall();
    });
  },
  'call.unblocked_user': (e, { store }) => setBlocked(store, e.callCid, e.blockedUserIds),
} satisfies Folders;

/** Sets the joined call's blocked users (absolute: the event carries the whole list). */
function setBlocked(store: StreamVideoWriteableStateStore<unknown>, cid: string, blockedUserIds: string[]): void {
  const state = store.activeState(cid);
  if (state) state.set({ ...state.get(), data: { ...state.get().data, blockedUserIds } });
}

/** Folds one event into the store. */
export function foldEvent(event: CoordinatorEvent, target: FoldTarget): void {
  (EVENT_FOLDERS[event.type] as (e: CoordinatorEvent, t: FoldTarget) => void)(event, target);
}

/** A participant of the schema in the store's form (without the flags the table sets). */
export function toStreamParticipant(p: Participant): Omit<StreamParticipant, 'isLocalParticipant' | 'isPinned' | keyof ParticipantInsights> {
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

const REJECTIONS = new WeakMap<CallState, Set<string>>();
function rejections(call: CallState): Set<string> {
  let set = REJECTIONS.get(call);
  if (!set) REJECTIONS.set(call, (set = new Set()));
  return set;
}
