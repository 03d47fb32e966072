import type { ICoordinatorService } from '../../../gen/stream/video/coordinator/v1/coordinator_service.server';
import type { Signal, TrackType } from '../../../gen/stream/video/coordinator/v1/models';
import { isPublishableTrackType, TRACK_CAPABILITIES } from '../../media/track-type';
import type { CallRecord, ParticipantRecord } from '../state/call-record';
import { DEFAULT_MAX_PUBLISHERS } from '../state/call-types';
import { requireCapability, requireNotEnded, type CoordinatorState } from '../state/coordinator-state';
import type { SfuCalls } from '../sfu/sfu-calls';
import { TwirpError } from '../twirp/twirp-error';
import type { TwirpContext } from '../twirp/twirp-router';
import { checkSignal, newPairState, SIGNAL_LIMITS, type PairState } from './signal-checks';

type Service = ICoordinatorService<TwirpContext>;

/** The (sender, target) pairs of each call: generations and rate buckets. */
const PAIRS = new WeakMap<CallRecord, Map<string, PairState>>();

function pairOf(call: CallRecord, key: string): PairState {
  let pairs = PAIRS.get(call);
  if (!pairs) PAIRS.set(call, (pairs = new Map<string, PairState>()));
  let pair = pairs.get(key);
  if (!pair) {
    // Pairs of sessions that left are forgotten once there are many.
    if (pairs.size >= 4096) for (const k of pairs.keys()) if (!k.split('\n').every((id) => call.participants.has(id))) pairs.delete(k);
    pairs.set(key, (pair = newPairState()));
  }
  return pair;
}

/** What one target of a request will relay, once every target passed the checks. */
interface Plan {
  to: ParticipantRecord | undefined;
  /** The call's SFU session, when the signals go to the SFU. */
  sfu: string | undefined;
  signals: Signal[];
  fresh: Signal[];
  last: number;
  key: string;
  pair: PairState | undefined;
  /** The generation each connection steps to (a mesh pair has one connection; a session has two to the SFU). */
  generations: Map<PairState, number>;
  bumps: number;
}

/**
 * The signalling relay and the published tracks: between sessions in a mesh call, between
 * each session and the SFU (`sfu`) in an SFU call. Every signal is checked before anything is
 * relayed (see {@link SIGNAL_LIMITS} and `checkSignal`; the SFU checks its own signals too):
 * a session description must parse as one, sizes are capped per signal and per request, a
 * connection's generation steps forward by at most one past the highest either session used,
 * and each (sender, target) pair is rate-limited, in signals and in generation steps.
 */
export function mediaHandlers(state: CoordinatorState, sfu?: SfuCalls): Pick<Service, 'sendSignals' | 'updatePublishedTracks'> {
  return {
    async sendSignals(req, ctx) {
      const call = state.getCall(req.type, req.id);
      const sfuCall = call.settings.media?.topology === 'sfu';
      const sfuSessionId = sfuCall ? await sfu?.sfuSessionIdOf(call) : undefined;
      // A request that overtook by its sender's own LeaveCall (they travel on different
      // connections) is dropped, not refused: nothing is relayed from a session that left.
      if (req.sessionId && call.departed.get(req.sessionId) === ctx.userId) {
        return { delivered: 0, duplicates: 0, undeliverable: req.targets.reduce((n, t) => n + t.signals.length, 0) };
      }
      const from = ownSession(call, ctx.userId, req.sessionId);
      if (req.targets.length === 0) throw TwirpError.missing('targets');
      if (req.targets.length > SIGNAL_LIMITS.maxTargets) throw TwirpError.invalid('targets', `must hold at most ${SIGNAL_LIMITS.maxTargets} sessions`);
      let total = 0;
      let chars = 0;
      let sfuChars = 0;
      // Everything is checked before anything is relayed: a refused request relays nothing.
      const targets = req.targets.map((target, i) => {
        const field = `targets[${i}]`;
        if (!target.toSessionId) throw TwirpError.missing(`${field}.to_session_id`);
        if (target.toSessionId === from.sessionId) throw TwirpError.invalid(`${field}.to_session_id`, 'must be another session than the sender');
        if (target.signals.length === 0) throw TwirpError.missing(`${field}.signals`);
        total += target.signals.length;
        if (total > SIGNAL_LIMITS.maxSignalsPerRequest)
          throw TwirpError.invalid('targets', `must hold at most ${SIGNAL_LIMITS.maxSignalsPerRequest} signals in all`);
        if (sfuSessionId && target.toSessionId === sfuSessionId) {
          target.signals.forEach((signal, j) => (sfuChars += checkSignal(`${field}.signals[${j}]`, signal, true)));
          if (sfuChars > SIGNAL_LIMITS.maxSfuSdpChars)
            throw TwirpError.invalid('targets', `must carry at most ${SIGNAL_LIMITS.maxSfuSdpChars} characters of SDP and candidates to the SFU`);
          return { to: undefined, sfu: sfuSessionId, signals: target.signals, field };
        }
        // In an SFU call media goes through the SFU only: no session signals another.
        if (sfuCall && call.participants.has(target.toSessionId))
          throw TwirpError.invalid(`${field}.to_session_id`, "must be the SFU's session id in an SFU call");
        const to = call.participants.get(target.toSessionId);
        if (!to && !call.departed.has(target.toSessionId)) {
          throw new TwirpError('permission_denied', `session ${target.toSessionId} is not a participant of call ${call.cid}`, {
            to_session_id: target.toSessionId,
          });
        }
        // An SFU that stopped leaves its session id behind, among the departed (with no user).
        const retiredSfu = !to && call.departed.get(target.toSessionId) === '';
        target.signals.forEach((signal, j) => (chars += checkSignal(`${field}.signals[${j}]`, signal, retiredSfu)));
        if (chars > SIGNAL_LIMITS.maxRequestChars)
          throw TwirpError.invalid('targets', `must carry at most ${SIGNAL_LIMITS.maxRequestChars} characters of SDP and candidates in all`);
        return { to, sfu: undefined, signals: target.signals, field };
      });
      for (const t of targets) if (t.sfu) await sfu!.check(call, from, t.signals, t.field);
      const now = Date.now();
      const plans = targets.map(({ to, sfu: toSfu, signals, field }) => plan(call, from, to, toSfu, signals, field, now));

      let delivered = 0;
      let duplicates = 0;
      let undeliverable = 0;
      for (const p of plans) {
        const { to, signals, fresh, pair } = p;
        if ((!to && !p.sfu) || !pair) {
          undeliverable += signals.length;
          continue;
        }
        duplicates += signals.length - fresh.length;
        if (fresh.length === 0) continue;
        pair.signals.take(fresh.length, now);
        pair.generations.take(p.bumps, now);
        for (const [connection, generation] of p.generations) connection.generation = generation;
        call.signalSeqs.set(p.key, p.last);
        delivered += fresh.length;
        if (!to) {
          sfu!.relay(call, from, fresh);
          continue;
        }
        state.publish([to.userId], call, {
          oneofKind: 'callSignal',
          callSignal: { fromUserId: from.userId, fromSessionId: from.sessionId, toSessionId: to.sessionId, signals: fresh },
        });
      }
      return { delivered, duplicates, undeliverable };
    },

    async updatePublishedTracks(req, ctx) {
      const call = state.getCall(req.type, req.id);
      requireNotEnded(call);
      const record = ownSession(call, ctx.userId, req.sessionId);
      for (const t of req.publishedTracks) {
        if (!isPublishableTrackType(t))
          throw TwirpError.invalid('published_tracks', `contains ${t}: only AUDIO, VIDEO, SCREEN_SHARE and SCREEN_SHARE_AUDIO can be published`);
      }
      const wanted = [...new Set(req.publishedTracks)].sort((a, b) => a - b);
      for (const t of wanted) requireCapability(call, ctx.userId, TRACK_CAPABILITIES[t as keyof typeof TRACK_CAPABILITIES]);
      const current = record.publishedTracks ?? [];
      if (current.length === 0 && wanted.length > 0) {
        const limit = call.settings.media?.maxPublishers || DEFAULT_MAX_PUBLISHERS;
        // In an SFU call a session that keeps its publisher at the SFU (everything muted) holds its place.
        const sfuCall = call.settings.media?.topology === 'sfu';
        const holding = sfuCall && sfu ? await sfu.publishingSessions(call) : new Set<string>();
        let publishing = 0;
        for (const p of call.participants.values())
          if (p.sessionId !== record.sessionId && (p.publishedTracks?.length || holding.has(p.sessionId))) publishing++;
        if (publishing >= limit) {
          throw new TwirpError('resource_exhausted', `call ${call.cid} has ${publishing} publishing participants, its ${sfuCall ? 'SFU' : 'mesh'} limit`, {
            reason: sfuCall ? 'sfu_limit' : 'mesh_limit',
            limit: String(limit),
          });
        }
      }
      if (!sameTracks(current, wanted)) setTracks(state, call, record, wanted);
      return { participant: call.toParticipant(record, state.users) };
    },
  };
}

/**
 * Takes from each session of `userId` the track types it may no longer publish (a revoked
 * capability), telling the call's audience with `call.participant_updated` per session changed.
 */
export function dropRevokedTracks(state: CoordinatorState, call: CallRecord, userId: string): void {
  for (const record of call.participants.values()) {
    if (record.userId !== userId || !record.publishedTracks?.length) continue;
    const allowed = record.publishedTracks.filter((t) => call.can(userId, TRACK_CAPABILITIES[t as keyof typeof TRACK_CAPABILITIES]));
    if (allowed.length !== record.publishedTracks.length) setTracks(state, call, record, allowed);
  }
}

/**
 * After a grant or a revoke in an SFU call: the user's streams are muted or unmuted at the
 * SFU, whatever their client does.
 */
export function enforceAtSfu(sfu: SfuCalls | undefined, call: CallRecord, userId: string): void {
  if (call.settings.media?.topology === 'sfu') sfu?.permissionsChanged(call, userId);
}

/** Sets the tracks a session publishes and tells the call's audience (`call.participant_updated`). */
export function setTracks(state: CoordinatorState, call: CallRecord, record: ParticipantRecord, tracks: TrackType[]): void {
  record.publishedTracks = tracks;
  call.touch(state.now());
  state.publish(call.audience(), call, { oneofKind: 'participantUpdated', participantUpdated: { participant: call.toParticipant(record, state.users) } });
}

function sameTracks(a: readonly TrackType[], b: readonly TrackType[]): boolean {
  return a.length === b.length && a.every((t, i) => t === b[i]);
}

/** The caller's own session in `call`, or `permission_denied`. */
function ownSession(call: CallRecord, userId: string, sessionId: string): ParticipantRecord {
  if (!sessionId) throw TwirpError.missing('session_id');
  const record = call.participants.get(sessionId);
  if (!record || record.userId !== userId) {
    throw new TwirpError('permission_denied', `session ${sessionId} of user "${userId}" is not a participant of call ${call.cid}`, { session_id: sessionId });
  }
  return record;
}

/**
 * What a request relays to one target: the signals not seen before (a retried request repeats
 * some), checked against the pair's generation and rate limits before anything is relayed.
 * @throws TwirpError `invalid_argument` (`meta.reason` `generation_step`), `resource_exhausted`
 *   (`meta.reason` `signal_rate` or `generation_rate`).
 */
function plan(
  call: CallRecord,
  from: ParticipantRecord,
  to: ParticipantRecord | undefined,
  toSfu: string | undefined,
  signals: Signal[],
  field: string,
  now: number,
): Plan {
  const target = to?.sessionId ?? toSfu;
  const key = target ? `${from.sessionId}\n${target}` : '';
  const out: Plan = {
    to,
    sfu: toSfu,
    signals,
    fresh: [],
    last: target ? (call.signalSeqs.get(key) ?? 0) : 0,
    key,
    pair: undefined,
    generations: new Map(),
    bumps: 0,
  };
  if (!target) return out;
  const pair = (out.pair = pairOf(call, key));
  const back = pairOf(call, `${target}\n${from.sessionId}`);
  // To the SFU, the publisher and the subscriber connection each have their generation.
  const connectionOf = (signal: Signal): PairState => (toSfu ? pairOf(call, `${key}\n${signal.peerType}`) : pair);
  signals.forEach((signal, j) => {
    if (signal.seq <= out.last) return; // a retry: a duplicate
    out.fresh.push(signal);
    out.last = signal.seq;
    const connection = connectionOf(signal);
    const current = out.generations.get(connection) ?? connection.generation;
    if (signal.generation <= current) return;
    const ceiling = Math.max(current, toSfu ? 0 : back.generation) + SIGNAL_LIMITS.maxGenerationStep;
    if (signal.generation > ceiling) {
      throw new TwirpError('invalid_argument', `generation ${signal.generation} steps past ${ceiling}, the most this connection may be at`, {
        argument: `${field}.signals[${j}].generation`,
        reason: 'generation_step',
      });
    }
    out.generations.set(connection, signal.generation);
    out.bumps++;
  });
  if (pair.generations.available(now) < out.bumps) {
    throw new TwirpError('resource_exhausted', `session ${from.sessionId} replaces its connection to ${target} too often`, {
      reason: 'generation_rate',
      to_session_id: target,
    });
  }
  if (pair.signals.available(now) < out.fresh.length) {
    throw new TwirpError('resource_exhausted', `session ${from.sessionId} sends signals to ${target} too fast`, {
      reason: 'signal_rate',
      to_session_id: target,
      retry_after_ms: String(pair.signals.waitMs(out.fresh.length, now)),
    });
  }
  return out;
}
