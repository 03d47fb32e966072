import { batch } from 'nanostores';
import type { CallState, Participant } from '../../gen/stream/video/coordinator/v1/models';
import type { Call } from '../call/Call';
import type { CallDropScheduler } from '../call/CallDropScheduler';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import { toDate, type CoordinatorEvent, type CoordinatorEventMap } from './event-map';

/** What folding events into the store needs from the client. */
export interface FoldContext {
  readonly store: StreamVideoWriteableStateStore;
  readonly scheduler: CallDropScheduler;
  /** The connected user's id. */
  userId(): string | undefined;
  /** The joined call, if any. */
  activeCall(): Call | undefined;
  /** The ring timeout of a call, in ms (0: none). */
  ringTimeout(call: CallState, direction: 'incoming' | 'outgoing'): number;
  /** Media (issue 16): called after each event is folded, for the active call's peer connections. */
  onFolded?(event: CoordinatorEvent): void;
}

type Folders = { [K in keyof CoordinatorEventMap]: (event: CoordinatorEventMap[K], ctx: FoldContext) => void };

/**
 * How each event changes the store, one function per event name: a new event in the
 * schema fails to compile here until it is folded.
 */
export const EVENT_FOLDERS = {
  'call.created': () => {},
  'call.ring': (e, ctx) => {
    if (!e.call?.call || e.call.call.endedAt) return;
    const cid = e.callCid;
    ctx.store.upsertPending({ direction: 'incoming', call: e.call, ringer: e.user, since: Date.now() });
    ctx.scheduler.schedule(cid, 'reject', ctx.ringTimeout(e.call, 'incoming'));
  },
  'call.accepted': (e, ctx) => {
    const pending = ctx.store.pendingCalls$.get().find((c) => c.call.call?.cid === e.callCid);
    if (e.user?.id === ctx.userId()) {
      // Accepted on another device of the same user: the ring is over here too.
      dropPending(ctx, e.callCid);
      return;
    }
    if (pending?.direction === 'outgoing') {
      batch(() => {
        ctx.store.acceptedCall$.set(e);
        dropPending(ctx, e.callCid);
      });
    }
  },
  'call.rejected': (e, ctx) => {
    if (e.user?.id === ctx.userId()) {
      dropPending(ctx, e.callCid);
      return;
    }
    const pending = ctx.store.pendingCalls$.get().find((c) => c.call.call?.cid === e.callCid);
    if (pending?.direction !== 'outgoing') return;
    const rejected = rejections(pending.call);
    rejected.add(e.user?.id ?? '');
    const callees = pending.call.members.filter((m) => m.userId !== ctx.userId());
    if (callees.every((m) => rejected.has(m.userId))) dropPending(ctx, e.callCid);
  },
  'call.cancelled': (e, ctx) => dropPending(ctx, e.callCid),
  'call.ended': (e, ctx) => {
    batch(() => {
      dropPending(ctx, e.callCid);
      const active = ctx.activeCall();
      if (active?.cid === e.callCid) {
        active.markLeft();
        ctx.store.clearActiveCall();
      }
    });
  },
  'call.updated': (e, ctx) => {
    const active = ctx.activeCall();
    if (e.call && active?.cid === e.callCid) {
      active.update({ call: e.call });
      ctx.store.callRecordingInProgress$.set(e.call.recording);
    }
  },
  'call.members_updated': (e, ctx) => {
    const active = ctx.activeCall();
    if (active?.cid !== e.callCid) return;
    const removed = new Set(e.removedUserIds);
    const byId = new Map(active.members.filter((m) => !removed.has(m.userId)).map((m) => [m.userId, m]));
    for (const m of e.members) byId.set(m.userId, m);
    active.update({ call: e.call ?? active.data, members: [...byId.values()] });
  },
  'call.participant_joined': (e, ctx) => {
    if (ctx.activeCall()?.cid !== e.callCid || !e.participant) return;
    const p = e.participant;
    ctx.store.updateParticipants((t) => t.upsert(toStreamParticipant(p)));
  },
  'call.participant_left': (e, ctx) => {
    if (ctx.activeCall()?.cid !== e.callCid || !e.participant) return;
    const sessionId = e.participant.sessionId;
    batch(() => {
      ctx.store.updateParticipants((t) => t.remove(sessionId));
      if (ctx.store.dominantSpeakerSessionId$.get() === sessionId) ctx.store.dominantSpeakerSessionId$.set(undefined);
    });
  },
  'call.dominant_speaker_changed': (e, ctx) => {
    if (ctx.activeCall()?.cid !== e.callCid) return;
    ctx.store.dominantSpeakerSessionId$.set(e.sessionId || undefined);
  },
  'call.permission_request': (e, ctx) => {
    if (ctx.activeCall()?.cid === e.callCid && e.user?.id !== ctx.userId()) ctx.store.callPermissionRequest$.set(e);
  },
  'call.permissions_updated': (e, ctx) => {
    const active = ctx.activeCall();
    if (active?.cid === e.callCid && e.userId === ctx.userId()) active.update({ ownCapabilities: e.ownCapabilities });
  },
  'call.recording_started': (e, ctx) => {
    if (ctx.activeCall()?.cid === e.callCid) ctx.store.callRecordingInProgress$.set(true);
  },
  'call.recording_stopped': (e, ctx) => {
    if (ctx.activeCall()?.cid === e.callCid) ctx.store.callRecordingInProgress$.set(false);
  },
  custom: () => {},
  'call.participant_updated': (e, ctx) => {
    if (ctx.activeCall()?.cid !== e.callCid || !e.participant) return;
    const p = e.participant;
    // Only a participant still in the call: an update overtaken by its leave changes nothing.
    if (ctx.store.table.read(p.sessionId)) ctx.store.updateParticipants((t) => t.upsert(toStreamParticipant(p)));
  },
  // Signals change no state: the active call's media session handles them (onFolded).
  'call.signal': () => {},
} satisfies Folders;

/** Folds one event into the store. */
export function foldEvent(event: CoordinatorEvent, ctx: FoldContext): void {
  (EVENT_FOLDERS[event.type] as (e: CoordinatorEvent, c: FoldContext) => void)(event, ctx);
  ctx.onFolded?.(event);
}

/** A participant of the schema in the store's form. */
export function toStreamParticipant(p: Participant) {
  const user = p.user ?? { id: '', name: '', imageUrl: '', role: '' };
  const joinedAt = toDate(p.joinedAt);
  return { sessionId: p.sessionId, userId: user.id, user, role: p.role, joinedAt, publishedTracks: p.publishedTracks };
}

function dropPending(ctx: FoldContext, cid: string): void {
  ctx.scheduler.clear(cid);
  ctx.store.removePending(cid);
}

const REJECTIONS = new WeakMap<CallState, Set<string>>();
function rejections(call: CallState): Set<string> {
  let set = REJECTIONS.get(call);
  if (!set) REJECTIONS.set(call, (set = new Set()));
  return set;
}
