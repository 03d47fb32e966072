import { batch } from 'nanostores';
import { Struct } from '../../gen/google/protobuf/struct';
import { QueryCallsResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { toPlain } from '../plain/plain-data';
import type { CallState } from '../plain/plain-types';
import type { StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import { toStreamParticipant } from '../events/event-folder';
import type { PendingCall, StreamVideoWriteableStateStore } from '../store/state-store';

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
 * rebuilds the pending calls and the joined call's participants, recording state and
 * capabilities from the server's state (a re-sync).
 * @returns the number of calls loaded.
 */
export function applyCalls(store: StreamVideoWriteableStateStore<unknown>, snapshot: CallsSnapshot): number {
  const { me, ringingOnly, calls, activeState } = snapshot;
  const active = store.active && store.active.cid === snapshot.activeCid ? store.active : undefined;
  const pending: PendingCall[] = calls
    .filter((c) => c.call?.ringing && !c.call.endedAt && c.call.cid !== store.active?.cid)
    .map((c) => ({ direction: c.call!.createdByUserId === me ? 'outgoing' : 'incoming', call: c, ringer: undefined, since: Date.now() }));

  batch(() => {
    const before = new Map(store.pendingCalls$.get().map((p) => [p.call.call?.cid, p]));
    const after = ringingOnly
      ? [...before.values(), ...pending.filter((p) => !before.has(p.call.call?.cid))]
      : pending.map((p) => before.get(p.call.call?.cid) ?? p);
    const current = store.pendingCalls$.get();
    if (after.length !== current.length || after.some((p, i) => p !== current[i])) store.pendingCalls$.set(after);

    if (!active || ringingOnly) return;
    // Ended, or this session is no longer in it (kicked, blocked, dropped while offline): left.
    if (!activeState?.call || activeState.call.endedAt || !activeState.participants.some((p) => p.sessionId === store.table.local)) {
      store.clearActiveCall();
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
  });
  return calls.length;
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
