import type { ICoordinatorService } from '../../../gen/stream/video/coordinator/v1/coordinator_service.server';
import type { CallInput, LatencyMeasurement } from '../../../gen/stream/video/coordinator/v1/coordinator_service';
import type { Edge, IceServer } from '../../../gen/stream/video/coordinator/v1/models';
import type { TokenAuthority } from '../auth';
import { TwirpError } from '../twirp/twirp-error';
import type { TwirpContext } from '../twirp/twirp-router';
import { type CallRecord } from '../state/call-record';
import { checkStruct, checkUserId, requireCapability, requireNotEnded, type CoordinatorState } from '../state/coordinator-state';
import { applyMemberUpdates } from './member-handlers';
import { checkAnswer, recordAnswer } from './ring-answers';
import { requireNotBlocked } from './moderation-handlers';

type Service = ICoordinatorService<TwirpContext>;

export interface CallHandlerDeps {
  state: CoordinatorState;
  tokens: TokenAuthority;
  /** The edge servers offered to clients, with their latency URLs. */
  edges: () => Edge[];
  /** The STUN/TURN servers of a call type (none by default). */
  iceServers: (callType: string) => IceServer[];
}

/** The call lifecycle: get-or-create with ring, join (with edge, accept), leave, end. */
export function callHandlers({ state, tokens, edges, iceServers }: CallHandlerDeps): Pick<Service, 'getOrCreateCall' | 'joinCall' | 'leaveCall' | 'endCall'> {
  return {
    async getOrCreateCall(req, ctx) {
      const { call, created } = getOrCreate(state, req.type, req.id, ctx.userId, req.data, req.ring);
      return { call: call.toState(ctx.userId, state.users), created };
    },

    async joinCall(req, ctx) {
      if (!req.sessionId) throw TwirpError.missing('session_id');
      checkUserId('session_id', req.sessionId);
      const cid = `${req.type}:${req.id}`;
      const existing = state.calls.get(cid)?.participants.get(req.sessionId);
      if (existing && existing.userId !== ctx.userId) throw new TwirpError('already_exists', `session ${req.sessionId} belongs to another user`);
      // The edge token is signed on WebCrypto's thread pool while the call is got or created
      // and checked here, off the join's critical path; it is used only once every check passed.
      const offered = edges();
      const edge = offered.length > 0 ? pickEdge(offered, req.latencyMeasurements) : undefined;
      const signing = edge && tokens.createEdgeToken(ctx.userId, cid, edge.name);
      signing?.catch(() => {}); // awaited below, unless a check fails first
      // Joining an existing call needs `join-call` (a non-member of a `default` call has none).
      const { call, created } = getOrCreate(state, req.type, req.id, ctx.userId, req.data, req.ring, 'join-call');
      // Every check of the join before the accept: a refused join leaves no accept behind.
      requireNotBlocked(call, ctx.userId);
      requireNotEnded(call);
      if (req.accept) checkAnswer(call, ctx.userId, 'accepted');
      if (!edge || !signing) throw new TwirpError('unavailable', 'no edge server is available');
      const token = await signing;
      if (req.accept) recordAnswer(state, call, ctx.userId, 'accepted');
      let joined = false;
      if (!call.participants.has(req.sessionId)) {
        const record = { userId: ctx.userId, sessionId: req.sessionId, role: call.roleOf(ctx.userId), joinedAt: state.now() };
        call.participants.set(req.sessionId, record);
        call.touch(state.now());
        state.publish(call.audience(), call, { oneofKind: 'participantJoined', participantJoined: { participant: call.toParticipant(record, state.users) } });
        joined = true;
      }
      return {
        call: call.toState(ctx.userId, state.users),
        joined,
        created,
        credentials: { edgeName: edge.name, serverUrl: `wss://sfu-${edge.name}.local.invalid/ws`, token, iceServers: iceServers(call.type) },
      };
    },

    async leaveCall(req, ctx) {
      const call = state.getCall(req.type, req.id);
      if (!req.sessionId) throw TwirpError.missing('session_id');
      const record = call.participants.get(req.sessionId);
      if (!record) return { left: false };
      if (record.userId !== ctx.userId) throw new TwirpError('permission_denied', `session ${req.sessionId} belongs to another user`);
      return { left: state.removeParticipant(call, req.sessionId) };
    },

    async endCall(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'end-call');
      if (call.ended) return {};
      const audience = call.audience();
      call.endedAt = state.now();
      call.ringing = false;
      call.recording = false;
      for (const p of call.participants.values()) call.departed.set(p.sessionId, p.userId);
      for (const sessionId of [...call.participants.keys()]) call.removeParticipant(sessionId);
      call.signalSeqs.clear();
      call.touch(state.now());
      state.publish(audience, call, { oneofKind: 'callEnded', callEnded: { user: state.users.get(ctx.userId) } });
      return {};
    },
  };
}

/**
 * The call `type:id` for `userId`: an existing one (needs `capability`, by default
 * `read-call`), or one created with `data` (the creator becomes its admin; its members get
 * `call.created`). With `ring`, rings the members.
 */
function getOrCreate(
  state: CoordinatorState,
  type: string,
  id: string,
  userId: string,
  data: CallInput | undefined,
  ring: boolean,
  capability: 'read-call' | 'join-call' = 'read-call',
): { call: CallRecord; created: boolean } {
  let call = state.calls.get(`${type}:${id}`);
  let created = false;
  if (call) {
    requireCapability(call, userId, capability);
  } else {
    call = state.createCall(type, id, userId, data?.settingsOverride);
    created = true;
    try {
      if (data?.custom) checkStruct('data.custom', data.custom);
      call.custom = data?.custom;
      applyMemberUpdates(state, call, data?.members ?? [], 'data.members');
      if (ring) calleesToRing(call, userId);
    } catch (err) {
      // A create that fails leaves no call behind (and has published nothing yet).
      state.calls.delete(call.cid);
      throw err;
    }
    // What everyone sees is built once (not once per member: quadratic in the member count).
    const shared = call.toState(userId, state.users);
    for (const member of call.audience()) {
      state.publish([member], call, { oneofKind: 'callCreated', callCreated: { call: { ...shared, ownCapabilities: call.capabilitiesOf(member) } } });
    }
  }
  if (ring) ringMembers(state, call, userId);
  return { call, created };
}

/** The edge with the lowest median latency measured by the client; without measurements, the first one. */
function pickEdge(offered: Edge[], measurements: { [edge: string]: LatencyMeasurement }): Edge {
  let best = offered[0];
  let bestLatency = Number.POSITIVE_INFINITY;
  for (const edge of offered) {
    const latency = median(measurements[edge.name]?.measurementsSeconds ?? []);
    if (latency < bestLatency) {
      best = edge;
      bestLatency = latency;
    }
  }
  return best;
}

/**
 * Rings the call's members (all but `caller`). Only the creator rings, only once per call
 * while it rings: a repeated request (a retry, a reconnect) rings nobody twice.
 */
function ringMembers(state: CoordinatorState, call: CallRecord, caller: string): void {
  const callees = calleesToRing(call, caller);
  if (!callees) return;
  call.ringing = true;
  for (const callee of callees) call.rung.add(callee);
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
  return finite.length % 2 ? finite[mid] : (finite[mid - 1] + finite[mid]) / 2;
}
