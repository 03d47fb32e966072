import { batch } from 'nanostores';
import { Struct } from '../../gen/google/protobuf/struct';
import { QueryCallsResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { toPlain } from '../plain/plain-data';
import type { CallState } from '../plain/plain-types';
import type { StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import { toStreamParticipant, type FoldedCall } from '../events/event-folder';
import { RingResponse } from '../../gen/stream/video/coordinator/v1/models';
import type { CallAcceptedEvent, PendingCall, PermissionRequestEvent, StreamVideoWriteableStateStore } from '../store/state-store';

/** Most pages read when loading the user's calls (100 calls a page). */
const MAX_PAGES = 20;

/** The user's calls as the server saw them, to fold into the store with {@link applyCalls}. */
export interface CallsSnapshot {
  readonly me: string;
  readonly ringingOnly: boolean;
  readonly calls: CallState[];
  /** The cid of the joined call when the query started, and its state on the server. */
  readonly activeCid: string | undefined;
  readonly activeState: CallState | undefined;
}

/**
 * Loads the user's calls through `QueryCalls`.
 * - `ringingOnly`: the calls that ring now (after connecting: a ring sent while the user
 *   was offline is not missed).
 * - otherwise (a re-sync after events were lost): every call of the user, and the joined
 *   call's state.
 */
export async function fetchCalls(
  coordinator: StreamCoordinatorClient,
  session: RpcSession,
  me: string,
  activeCid: string | undefined,
  { ringingOnly }: { ringingOnly: boolean },
): Promise<CallsSnapshot> {
  const filter: Record<string, unknown> = { members: { $in: [me] } };
  if (ringingOnly) filter['ringing'] = true;
  const calls = await queryAll(coordinator, session, filter);
  const activeState = !ringingOnly && activeCid ? (await queryAll(coordinator, session, { cid: activeCid }))[0] : undefined;
  return { me, ringingOnly, calls, activeCid: ringingOnly ? undefined : activeCid, activeState };
}

/**
 * Folds a {@link CallsSnapshot} into the store: adds ringing calls (`ringingOnly`), or
 * rebuilds the pending calls, the accepted call, and the joined call's participants,
 * recording state, capabilities and permission requests from the server's state (a
 * re-sync); a joined call the server shows ended, or no longer shows, ends. README.md
 * ("What a re-sync restores") lists every piece of the store.
 * @param joined the session's joined call now.
 * @returns the number of calls loaded.
 */
export function applyCalls(store: StreamVideoWriteableStateStore<unknown>, snapshot: CallsSnapshot, joined: FoldedCall | undefined): number {
  const { me, ringingOnly, calls, activeState } = snapshot;
  const active = joined && joined.ref.cid === snapshot.activeCid ? joined : undefined;
  // A ring the user sees: their own call ringing others, or a call that rang them and that they have not answered.
  const pending: PendingCall[] = calls
    .filter((c) => c.call?.ringing && !c.call.endedAt && c.call.cid !== joined?.ref.cid)
    .filter((c) => c.call!.createdByUserId === me || c.rungMembers.some((r) => r.userId === me && r.response === RingResponse.UNSPECIFIED))
    .map((c) => ({
      direction: c.call!.createdByUserId === me ? 'outgoing' : 'incoming',
      call: c,
      ringer: c.members.find((m) => m.userId === c.call!.createdByUserId)?.user,
      since: Date.now(),
    }));

  batch(() => {
    const before = new Map(store.pendingCalls$.get().map((p) => [p.call.call?.cid, p]));
    const fresh = new Map(pending.map((p) => [p.call.call?.cid, p]));
    // Rings shown before keep their place; new ones follow in the order they started, as events would have added them.
    const kept = ringingOnly
      ? [...before.values()]
      : [...before.values()].filter((p) => fresh.has(p.call.call?.cid)).map((p) => refreshed(p, fresh.get(p.call.call?.cid)!));
    const added = pending
      .filter((p) => !before.has(p.call.call?.cid))
      .sort((a, b) => (a.call.call?.createdAt?.getTime() ?? 0) - (b.call.call?.createdAt?.getTime() ?? 0));
    const after = [...kept, ...added];
    const current = store.pendingCalls$.get();
    if (after.length !== current.length || after.some((p, i) => p !== current[i])) store.pendingCalls$.set(after);
    if (ringingOnly) return;
    restoreAccepted(store, me, calls, [...before.values()], joined?.ref.cid);

    if (!active) return;
    // Ended, or this session is no longer in it (kicked, blocked, dropped while offline): left.
    if (!activeState?.call || activeState.call.endedAt || !activeState.participants.some((p) => p.sessionId === store.table.local)) {
      active.end();
      return;
    }
    active.state.set({ data: activeState.call, members: activeState.members, ownCapabilities: activeState.ownCapabilities });
    store.callRecordingInProgress$.set(activeState.call.recording);
    store.updateParticipants((t) => {
      const pins = new Set([...t.iterate('pinned')].map((p) => p.sessionId));
      const media = new Map([...t.iterate('all')].map((p) => [p.sessionId, p])); // keep the streams received
      const local = t.local;
      t.clear();
      t.setLocalSession(local);
      for (const p of activeState.participants) t.upsert(toStreamParticipant(p), media.get(p.sessionId));
      for (const id of pins) t.setPinned(id, true);
    });
    const speaker = store.dominantSpeakerSessionId$.get();
    if (speaker && !store.table.read(speaker)) store.dominantSpeakerSessionId$.set(undefined);
    restoreRequests(store, me, active.ref.cid, activeState);
  });
  return calls.length;
}

/**
 * A ringing call the store showed before a re-sync, brought up to date: the same object when
 * the server knows of no new rejection (a listener sees no change), else one with the new
 * state, whose rejections the `call.rejected` folder counts from.
 */
function refreshed(old: PendingCall, fresh: PendingCall): PendingCall {
  const rejected = (c: CallState) => c.rungMembers.filter((r) => r.response === RingResponse.REJECTED).length;
  return rejected(fresh.call) > rejected(old.call) ? { ...old, call: fresh.call } : old;
}

/**
 * `acceptedCall$` after a re-sync, as the events would have set it: an outgoing call the store
 * showed ringing before, that someone accepted meanwhile (its first accept), unless it ended
 * or is the joined call; otherwise the accept shown before, unless its call has ended since.
 */
function restoreAccepted(
  store: StreamVideoWriteableStateStore<unknown>,
  me: string,
  calls: readonly CallState[],
  ringingBefore: readonly PendingCall[],
  joinedCid: string | undefined,
): void {
  const byCid = new Map(calls.map((c) => [c.call?.cid, c]));
  let newest: CallAcceptedEvent | undefined;
  for (const p of ringingBefore) {
    const cid = p.call.call?.cid ?? '';
    const c = byCid.get(cid);
    if (p.direction !== 'outgoing' || !c || c.call?.endedAt || cid === joinedCid) continue;
    const first = c.rungMembers
      .filter((r) => r.response === RingResponse.ACCEPTED && r.userId !== me)
      .sort((a, b) => (a.answeredAt?.getTime() ?? 0) - (b.answeredAt?.getTime() ?? 0))[0];
    if (!first) continue;
    const createdAt = first.answeredAt ?? new Date(0);
    if (newest && newest.createdAt >= createdAt) continue;
    const user = c.members.find((m) => m.userId === first.userId)?.user ?? { id: first.userId, name: '', imageUrl: '', role: '' };
    newest = { type: 'call.accepted', callCid: cid, seq: 0, createdAt, user };
  }
  const shown = store.acceptedCall$.get();
  if (newest && (newest.callCid !== shown?.callCid || newest.user?.id !== shown.user?.id)) store.acceptedCall$.set(newest);
  else if (shown && byCid.get(shown.callCid)?.call?.endedAt) store.acceptedCall$.set(undefined);
}

/**
 * The joined call's unanswered permission requests after a re-sync, from the coordinator's
 * (for a user who may grant them; their own not shown); a request the store already showed
 * keeps its event.
 */
function restoreRequests(store: StreamVideoWriteableStateStore<unknown>, me: string, cid: string, state: CallState): void {
  if (!state.ownCapabilities.includes('update-call-permissions')) {
    store.permissionRequests.clear();
    return;
  }
  const shown = new Map(store.permissionRequests.list().map((r) => [r.user?.id, r]));
  const requests: PermissionRequestEvent[] = state.pendingPermissionRequests
    .filter((r) => r.user && r.user.id !== me)
    .map((r) => {
      const known = shown.get(r.user!.id);
      if (known && known.permissions.join() === r.permissions.join()) return known;
      return { type: 'call.permission_request', callCid: cid, seq: 0, createdAt: r.requestedAt ?? new Date(0), user: r.user, permissions: r.permissions };
    });
  store.permissionRequests.replaceAll(requests);
}

async function queryAll(coordinator: StreamCoordinatorClient, session: RpcSession, filter: Record<string, unknown>): Promise<CallState[]> {
  const out: CallState[] = [];
  let next = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await coordinator.queryCalls(
      { filterConditions: Struct.fromJson(filter as never), sort: [{ field: 'created_at', direction: 2 }], limit: 100, next },
      { session },
    );
    out.push(...toPlain(QueryCallsResponse, res).calls);
    next = res.next;
    if (!next) break;
  }
  return out;
}
