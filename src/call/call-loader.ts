import { batch } from 'nanostores';
import { Struct } from '../../gen/google/protobuf/struct';
import type { CallState } from '../../gen/stream/video/coordinator/v1/models';
import type { StreamCoordinatorClient } from '../coordinator/StreamCoordinatorClient';
import { toStreamParticipant, type FoldContext } from '../events/event-folder';
import type { PendingCall } from '../store/state-store';
import type { Call } from './Call';

/** Most pages read when loading the user's calls (100 calls a page). */
const MAX_PAGES = 20;

/** The user's calls as the server saw them, to fold into the store with {@link applyCalls}. */
export interface CallsSnapshot {
  readonly me: string;
  readonly ringingOnly: boolean;
  readonly calls: CallState[];
  /** The active call when the query started, and its state on the server. */
  readonly active: Call | undefined;
  readonly activeState: CallState | undefined;
}

/**
 * Loads the user's calls through `QueryCalls`.
 * - `ringingOnly`: the calls that ring now (after connecting: a ring sent while the user
 *   was offline is not missed).
 * - otherwise (a re-sync after events were lost): every call of the user, and the active
 *   call's state.
 */
export async function fetchCalls(coordinator: StreamCoordinatorClient, ctx: FoldContext, { ringingOnly }: { ringingOnly: boolean }): Promise<CallsSnapshot | undefined> {
  const me = ctx.userId();
  if (!me) return undefined;
  const filter: Record<string, unknown> = { members: { $in: [me] } };
  if (ringingOnly) filter['ringing'] = true;
  const calls = await queryAll(coordinator, filter);
  const active = ctx.activeCall();
  const activeState = !ringingOnly && active ? (await queryAll(coordinator, { cid: active.cid }))[0] : undefined;
  return { me, ringingOnly, calls, active, activeState };
}

/**
 * Folds a {@link CallsSnapshot} into the store: adds ringing calls (`ringingOnly`), or
 * rebuilds the pending calls and the active call's participants, recording state and
 * capabilities from the server's state (a re-sync).
 * @returns the number of calls loaded.
 */
export function applyCalls(ctx: FoldContext, snapshot: CallsSnapshot | undefined): number {
  if (!snapshot || snapshot.me !== ctx.userId()) return 0;
  const { me, ringingOnly, calls, activeState } = snapshot;
  const active = ctx.activeCall() === snapshot.active ? snapshot.active : undefined;
  const pending: PendingCall[] = calls
    .filter((c) => c.call?.ringing && !c.call.endedAt && c.call.cid !== active?.cid)
    .map((c) => ({ direction: c.call!.createdByUserId === me ? 'outgoing' : 'incoming', call: c, ringer: undefined, since: Date.now() }));

  batch(() => {
    const before = new Map(ctx.store.pendingCalls$.get().map((p) => [p.call.call?.cid, p]));
    const after = ringingOnly ? [...before.values(), ...pending.filter((p) => !before.has(p.call.call?.cid))] : pending.map((p) => before.get(p.call.call?.cid) ?? p);
    const keep = new Set(after.map((p) => p.call.call?.cid));
    for (const cid of before.keys()) if (cid && !keep.has(cid)) ctx.scheduler.clear(cid);
    for (const p of after) {
      const cid = p.call.call!.cid;
      if (!ctx.scheduler.has(cid)) ctx.scheduler.schedule(cid, p.direction === 'incoming' ? 'reject' : 'cancel', ctx.ringTimeout(p.call, p.direction));
    }
    const current = ctx.store.pendingCalls$.get();
    if (after.length !== current.length || after.some((p, i) => p !== current[i])) ctx.store.pendingCalls$.set(after);

    if (active && !ringingOnly) {
      if (!activeState?.call || activeState.call.endedAt) {
        active.markLeft();
        ctx.store.clearActiveCall();
      } else {
        active.update(activeState);
        ctx.store.callRecordingInProgress$.set(activeState.call.recording);
        ctx.store.updateParticipants((t) => {
          const pins = new Set([...t.iterate('pinned')].map((p) => p.sessionId));
          const media = new Map([...t.iterate('all')].map((p) => [p.sessionId, p])); // streams (issue 16)
          const local = t.local;
          t.clear();
          t.setLocalSession(local);
          for (const p of activeState.participants) t.upsert(toStreamParticipant(p), media.get(p.sessionId));
          for (const id of pins) t.setPinned(id, true);
        });
        const speaker = ctx.store.dominantSpeakerSessionId$.get();
        if (speaker && !ctx.store.table.read(speaker)) ctx.store.dominantSpeakerSessionId$.set(undefined);
      }
    }
  });
  return calls.length;
}

async function queryAll(coordinator: StreamCoordinatorClient, filter: Record<string, unknown>): Promise<CallState[]> {
  const out: CallState[] = [];
  let next = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const res = await coordinator.call('queryCalls', {
      filterConditions: Struct.fromJson(filter as never),
      sort: [{ field: 'created_at', direction: 2 }],
      limit: 100,
      next,
    });
    out.push(...res.calls);
    next = res.next;
    if (!next) break;
  }
  return out;
}
