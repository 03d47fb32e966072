import type { ICoordinatorService } from '../../../gen/stream/video/coordinator/v1/coordinator_service.server';
import { SortDirection } from '../../../gen/stream/video/coordinator/v1/coordinator_service';
import type { TwirpContext } from '../twirp/twirp-router';
import { TwirpError } from '../twirp/twirp-error';
import type { CallRecord } from '../state/call-record';
import { checkStruct, type CoordinatorState } from '../state/coordinator-state';
import { compileFilter, type FieldSpec, type JsonObject } from '../query/filter';
import { paginate, type PagingKeys, type SortSpec } from '../query/paging';

type Service = ICoordinatorService<TwirpContext>;

/** The fields QueryCalls filters on. */
export const CALL_FIELDS: Record<string, FieldSpec<CallRecord>> = {
  type: { kind: 'string', get: (c) => c.type },
  id: { kind: 'string', get: (c) => c.id },
  cid: { kind: 'string', get: (c) => c.cid },
  created_by_user_id: { kind: 'string', get: (c) => c.createdBy },
  members: { kind: 'string[]', get: (c) => [...c.members.keys()] },
  created_at: { kind: 'time', get: (c) => c.createdAt },
  updated_at: { kind: 'time', get: (c) => c.updatedAt },
  ended_at: { kind: 'time', get: (c) => c.endedAt },
  recording: { kind: 'boolean', get: (c) => c.recording },
  ringing: { kind: 'boolean', get: (c) => c.ringing },
  member_count: { kind: 'number', get: (c) => c.members.size },
};

/** The fields QueryCalls sorts on; ties are broken by `cid`. */
export const CALL_PAGING: PagingKeys<CallRecord> = {
  sortable: {
    created_at: (c) => c.createdAt,
    updated_at: (c) => c.updatedAt,
    member_count: (c) => c.members.size,
  },
  stableKey: (c) => c.cid,
};

/** QueryCalls: the calls the user may read, filtered, sorted and paged. */
export function queryHandlers(state: CoordinatorState): Pick<Service, 'queryCalls'> {
  return {
    async queryCalls(req, ctx) {
      if (req.next && req.prev) throw TwirpError.invalid('next', 'and prev cannot both be set');
      const filter = req.filterConditions ? (checkStruct('filter_conditions', req.filterConditions) as JsonObject) : undefined;
      const matches = compileFilter(filter, CALL_FIELDS);
      const sort: SortSpec[] = req.sort.map((s, i) => {
        if (!s.field) throw TwirpError.missing(`sort[${i}].field`);
        return { field: s.field, direction: s.direction === SortDirection.ASCENDING ? 'asc' : 'desc' };
      });
      const visible = [...state.calls.values()].filter((c) => c.can(ctx.userId, 'read-call') && matches(c));
      const page = paginate(visible, { sort, limit: req.limit, next: req.next || undefined, prev: req.prev || undefined }, CALL_PAGING);
      return { calls: page.items.map((c) => c.toState(ctx.userId, state.users)), next: page.next, prev: page.prev };
    },
  };
}
