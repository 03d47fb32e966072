import type { ICoordinatorService } from '../../../gen/stream/video/coordinator/v1/coordinator_service.server';
import type { MemberInput } from '../../../gen/stream/video/coordinator/v1/coordinator_service';
import type { TwirpContext } from '../twirp/twirp-router';
import { TwirpError } from '../twirp/twirp-error';
import type { CallRecord } from '../state/call-record';
import { checkStruct, checkUserId, requireNotEnded, type CoordinatorState } from '../state/coordinator-state';
import { compileFilter, type FieldSpec, type JsonObject } from '../query/filter';
import { paginate, type PagingKeys } from '../query/paging';
import type { MemberRecord } from '../state/call-record';

type Service = ICoordinatorService<TwirpContext>;

const MEMBER_FIELDS: Record<string, FieldSpec<MemberRecord>> = {
  user_id: { kind: 'string', get: (m) => m.userId },
  role: { kind: 'string', get: (m) => m.role },
  created_at: { kind: 'time', get: (m) => m.createdAt },
  updated_at: { kind: 'time', get: (m) => m.updatedAt },
};

const MEMBER_PAGING: PagingKeys<MemberRecord> = {
  sortable: { created_at: (m) => m.createdAt },
  stableKey: (m) => m.userId,
};

/** Adds or updates members of `call` (no events: the caller publishes). Returns the user ids touched. */
export function applyMemberUpdates(state: CoordinatorState, call: CallRecord, inputs: readonly MemberInput[], field: string): string[] {
  // Check every input before changing anything: a refused request changes nothing.
  const roles = checkMemberUpdates(call, inputs, field);
  const touched: string[] = [];
  const now = state.now();
  inputs.forEach((input, i) => {
    if (input.user) state.users.upsert({ ...input.user, id: input.userId });
    const known = call.members.get(input.userId);
    call.members.set(input.userId, {
      userId: input.userId,
      role: input.userId === call.createdBy && known ? known.role : roles[i],
      createdAt: known?.createdAt ?? now,
      updatedAt: now,
    });
    touched.push(input.userId);
  });
  if (touched.length) call.touch(now);
  return touched;
}

/** Checks member updates of `call` as {@link applyMemberUpdates} would apply them; returns each one's role. Changes nothing. */
export function checkMemberUpdates(call: CallRecord, inputs: readonly MemberInput[], field: string): string[] {
  return inputs.map((input, i) => {
    checkUserId(`${field}[${i}].user_id`, input.userId);
    if (input.user?.custom) checkStruct(`${field}[${i}].user.custom`, input.user.custom);
    const role = input.role || 'member';
    if (!Object.prototype.hasOwnProperty.call(call.callType.roles, role)) {
      throw TwirpError.invalid(`${field}[${i}].role`, `"${role}" is not a role of call type ${call.type} (${Object.keys(call.callType.roles).join(', ')})`);
    }
    const known = call.members.get(input.userId);
    if (input.userId === call.createdBy && known && role !== known.role && input.role) {
      throw new TwirpError('failed_precondition', `the role of the creator of call ${call.cid} cannot change`);
    }
    return role;
  });
}

/** Members: update and query. */
export function memberHandlers(state: CoordinatorState): Pick<Service, 'updateCallMembers' | 'queryMembers'> {
  return {
    async updateCallMembers(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'update-call-member');
      requireNotEnded(call);
      if (req.updateMembers.length === 0 && req.removeUserIds.length === 0) {
        throw TwirpError.invalid('update_members', 'and remove_user_ids are both empty: nothing to change');
      }
      const updated = new Set(req.updateMembers.map((m) => m.userId));
      req.removeUserIds.forEach((u, i) => {
        checkUserId(`remove_user_ids[${i}]`, u);
        if (u === call.createdBy) throw new TwirpError('failed_precondition', `the creator of call ${call.cid} cannot be removed`);
        if (updated.has(u)) throw TwirpError.invalid(`remove_user_ids[${i}]`, `"${u}" is also in update_members: a user is either updated or removed`);
      });
      const before = call.audience();
      const touched = applyMemberUpdates(state, call, req.updateMembers, 'update_members');
      const removed = req.removeUserIds.filter((u) => call.members.delete(u));
      // No longer in the call (no member, no session): their permission request is withdrawn.
      for (const u of removed) if (!call.involves(u)) call.permissionRequests.delete(u);
      call.touch(state.now());
      const audience = new Set([...before, ...call.audience()]);
      const members = touched.map((u) => call.toMember(call.members.get(u)!, state.users));
      state.publish(audience, call, {
        oneofKind: 'callMembersUpdated',
        callMembersUpdated: { call: call.toCall(), members, removedUserIds: removed },
      });
      return { members };
    },

    async queryMembers(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'read-call');
      const filter = req.filterConditions ? (checkStruct('filter_conditions', req.filterConditions) as JsonObject) : undefined;
      const matches = [...call.members.values()].filter(compileFilter(filter, MEMBER_FIELDS));
      const page = paginate(matches, { sort: [{ field: 'created_at', direction: 'asc' }], limit: req.limit, next: req.next || undefined }, MEMBER_PAGING);
      return { members: page.items.map((m) => call.toMember(m, state.users)), next: page.next };
    },
  };
}
