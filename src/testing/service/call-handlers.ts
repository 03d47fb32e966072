import type { ICoordinatorService } from '../../../gen/stream/video/coordinator/v1/coordinator_service.server';
import type { Edge, IceServer } from '../../../gen/stream/video/coordinator/v1/models';
import type { TokenAuthority } from '../auth';
import { TwirpError } from '../twirp/twirp-error';
import type { TwirpContext } from '../twirp/twirp-router';
import { type CallRecord } from '../state/call-record';
import { checkStruct, checkUserId, requireCapability, requireNotEnded, type CoordinatorState } from '../state/coordinator-state';
import { applyMemberUpdates } from './member-handlers';

type Service = ICoordinatorService<TwirpContext>;

export interface CallHandlerDeps {
  state: CoordinatorState;
  tokens: TokenAuthority;
  /** The edge servers offered to clients, with their latency URLs. */
  edges: () => Edge[];
  /** The STUN/TURN servers of a call type (none by default). */
  iceServers: (callType: string) => IceServer[];
}

/** The call lifecycle: get-or-create with ring, edges, join, leave, end. */
export function callHandlers({ state, tokens, edges, iceServers }: CallHandlerDeps): Pick<
  Service,
  'getOrCreateCall' | 'getEdges' | 'getCallEdgeServer' | 'joinCall' | 'leaveCall' | 'endCall'
> {
  return {
    async getOrCreateCall(req, ctx) {
      let call = state.calls.get(`${req.type}:${req.id}`);
      let created = false;
      if (call) {
        requireCapability(call, ctx.userId, 'read-call');
      } else {
        call = state.createCall(req.type, req.id, ctx.userId, req.data?.settingsOverride);
        created = true;
        try {
          if (req.data?.custom) checkStruct('data.custom', req.data.custom);
          call.custom = req.data?.custom;
          applyMemberUpdates(state, call, req.data?.members ?? [], 'data.members');
          if (req.ring) calleesToRing(call, ctx.userId);
        } catch (err) {
          // A create that fails leaves no call behind (and has published nothing yet).
          state.calls.delete(call.cid);
          throw err;
        }
        // What everyone sees is built once (not once per member: quadratic in the member count).
        const shared = call.toState(ctx.userId, state.users);
        for (const userId of call.audience()) {
          state.publish([userId], call, { oneofKind: 'callCreated', callCreated: { call: { ...shared, ownCapabilities: call.capabilitiesOf(userId) } } });
        }
      }
      if (req.ring) ring(state, call, ctx.userId);
      return { call: call.toState(ctx.userId, state.users), created };
    },

    async getEdges() {
      return { edges: edges() };
    },

    async getCallEdgeServer(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'join-call');
      requireNotEnded(call);
      const offered = edges();
      if (offered.length === 0) throw new TwirpError('unavailable', 'no edge server is available');
      let best = offered[0]!;
      let bestLatency = Number.POSITIVE_INFINITY;
      for (const edge of offered) {
        const latency = median(req.latencyMeasurements[edge.name]?.measurementsSeconds ?? []);
        if (latency < bestLatency) {
          best = edge;
          bestLatency = latency;
        }
      }
      const token = await tokens.createEdgeToken(ctx.userId, call.cid, best.name);
      return {
        call: call.toState(ctx.userId, state.users),
        credentials: {
          edgeName: best.name,
          serverUrl: `wss://sfu-${best.name}.local.invalid/ws`,
          token,
          iceServers: iceServers(call.type),
        },
      };
    },

    async joinCall(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'join-call');
      requireNotEnded(call);
      if (!req.sessionId) throw TwirpError.missing('session_id');
      checkUserId('session_id', req.sessionId);
      const existing = call.participants.get(req.sessionId);
      if (existing) {
        if (existing.userId !== ctx.userId) throw new TwirpError('already_exists', `session ${req.sessionId} belongs to another user`);
        return { call: call.toState(ctx.userId, state.users), joined: false };
      }
      const record = { userId: ctx.userId, sessionId: req.sessionId, role: call.roleOf(ctx.userId), joinedAt: state.now() };
      call.participants.set(req.sessionId, record);
      call.touch(state.now());
      state.publish(call.audience(), call, {
        oneofKind: 'participantJoined',
        participantJoined: { participant: call.toParticipant(record, state.users) },
      });
      return { call: call.toState(ctx.userId, state.users), joined: true };
    },

    async leaveCall(req, ctx) {
      const call = state.getCall(req.type, req.id);
      if (!req.sessionId) throw TwirpError.missing('session_id');
      const record = call.participants.get(req.sessionId);
      if (!record) return { left: false };
      if (record.userId !== ctx.userId) throw new TwirpError('permission_denied', `session ${req.sessionId} belongs to another user`);
      const audience = call.audience();
      call.removeParticipant(req.sessionId);
      call.touch(state.now());
      state.publish(audience, call, { oneofKind: 'participantLeft', participantLeft: { participant: call.toParticipant(record, state.users) } });
      return { left: true };
    },

    async endCall(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'end-call');
      if (call.ended) return {};
      const audience = call.audience();
      call.endedAt = state.now();
      call.ringing = false;
      call.recording = false;
      for (const p of call.participants.values()) call.departed.set(p.sessionId, p.userId);
      call.participants.clear();
      call.signalSeqs.clear();
      call.touch(state.now());
      state.publish(audience, call, { oneofKind: 'callEnded', callEnded: { user: state.users.get(ctx.userId) } });
      return {};
    },
  };
}

/**
 * Rings the call's members (all but `caller`). Only the creator rings, only once per call
 * while it rings: a repeated request (a retry, a reconnect) rings nobody twice.
 */
function ring(state: CoordinatorState, call: CallRecord, caller: string): void {
  const callees = calleesToRing(call, caller);
  if (!callees) return;
  call.ringing = true;
  call.touch(state.now());
  const shared = call.toState(caller, state.users);
  const user = state.users.get(caller);
  for (const callee of callees) {
    state.publish([callee], call, { oneofKind: 'callRing', callRing: { call: { ...shared, ownCapabilities: call.capabilitiesOf(callee) }, user } });
  }
}

/** The members `caller` would ring now; undefined when ringing is a no-op; throws when it is not allowed. */
function calleesToRing(call: CallRecord, caller: string): string[] | undefined {
  if (call.createdBy !== caller) throw new TwirpError('permission_denied', `only the creator of call ${call.cid} may ring its members`);
  requireNotEnded(call);
  if (call.ringing || call.cancelled || call.answers.size > 0 || call.participants.size > 0) return undefined;
  const callees = [...call.members.keys()].filter((u) => u !== caller);
  if (callees.length === 0) throw new TwirpError('failed_precondition', `call ${call.cid} has no members to ring`);
  return callees;
}

function median(values: readonly number[]): number {
  const finite = values.filter((v) => Number.isFinite(v) && v >= 0).sort((a, b) => a - b);
  if (finite.length === 0) return Number.POSITIVE_INFINITY;
  const mid = finite.length >> 1;
  return finite.length % 2 ? finite[mid]! : (finite[mid - 1]! + finite[mid]!) / 2;
}
