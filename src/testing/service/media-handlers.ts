import type { ICoordinatorService } from '../../../gen/stream/video/coordinator/v1/coordinator_service.server';
import { SdpType, type Signal, type TrackType } from '../../../gen/stream/video/coordinator/v1/models';
import { isPublishableTrackType, TRACK_CAPABILITIES } from '../../media/track-type';
import type { CallRecord, ParticipantRecord } from '../state/call-record';
import { DEFAULT_MAX_PUBLISHERS } from '../state/call-types';
import { requireCapability, requireNotEnded, type CoordinatorState } from '../state/coordinator-state';
import { TwirpError } from '../twirp/twirp-error';
import type { TwirpContext } from '../twirp/twirp-router';

type Service = ICoordinatorService<TwirpContext>;

/** Most target sessions in one SendSignals request. */
export const MAX_SIGNAL_TARGETS = 16;
/** Most signals in one SendSignals request, all targets together. */
export const MAX_SIGNALS_PER_REQUEST = 500;
/** Largest SDP of one description, in characters. */
export const MAX_SDP_CHARS = 64 * 1024;
/** Largest ICE candidate line, in characters. */
export const MAX_CANDIDATE_CHARS = 2048;

/** The signalling relay and the published tracks of a mesh call. */
export function mediaHandlers(state: CoordinatorState): Pick<Service, 'sendSignals' | 'updatePublishedTracks'> {
  return {
    async sendSignals(req, ctx) {
      const call = state.getCall(req.type, req.id);
      // A request that overtook by its sender's own LeaveCall (they travel on different
      // connections) is dropped, not refused: nothing is relayed from a session that left.
      if (req.sessionId && call.departed.get(req.sessionId) === ctx.userId) {
        return { delivered: 0, duplicates: 0, undeliverable: req.targets.reduce((n, t) => n + t.signals.length, 0) };
      }
      const from = ownSession(call, ctx.userId, req.sessionId);
      if (req.targets.length === 0) throw TwirpError.missing('targets');
      if (req.targets.length > MAX_SIGNAL_TARGETS) throw TwirpError.invalid('targets', `must hold at most ${MAX_SIGNAL_TARGETS} sessions`);
      let total = 0;
      // Everything is checked before anything is relayed: a refused request relays nothing.
      const targets = req.targets.map((target, i) => {
        const field = `targets[${i}]`;
        if (!target.toSessionId) throw TwirpError.missing(`${field}.to_session_id`);
        if (target.toSessionId === from.sessionId) throw TwirpError.invalid(`${field}.to_session_id`, 'must be another session than the sender');
        const to = call.participants.get(target.toSessionId);
        if (!to && !call.departed.has(target.toSessionId)) {
          throw new TwirpError('permission_denied', `session ${target.toSessionId} is not a participant of call ${call.cid}`, {
            to_session_id: target.toSessionId,
          });
        }
        if (target.signals.length === 0) throw TwirpError.missing(`${field}.signals`);
        total += target.signals.length;
        target.signals.forEach((signal, j) => checkSignal(`${field}.signals[${j}]`, signal));
        return { to, signals: target.signals };
      });
      if (total > MAX_SIGNALS_PER_REQUEST) throw TwirpError.invalid('targets', `must hold at most ${MAX_SIGNALS_PER_REQUEST} signals in all`);

      let delivered = 0;
      let duplicates = 0;
      let undeliverable = 0;
      for (const { to, signals } of targets) {
        if (!to) {
          undeliverable += signals.length;
          continue;
        }
        const key = `${from.sessionId}\n${to.sessionId}`;
        let last = call.signalSeqs.get(key) ?? 0;
        const fresh: Signal[] = [];
        for (const signal of signals) {
          if (signal.seq <= last) {
            duplicates++;
            continue;
          }
          fresh.push(signal);
          last = signal.seq;
        }
        call.signalSeqs.set(key, last);
        if (fresh.length === 0) continue;
        delivered += fresh.length;
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
        let publishing = 0;
        for (const p of call.participants.values()) if (p.publishedTracks?.length) publishing++;
        if (publishing >= limit) {
          throw new TwirpError('resource_exhausted', `call ${call.cid} has ${publishing} publishing participants, its mesh limit`, {
            reason: 'mesh_limit',
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

function checkSignal(field: string, signal: Signal): void {
  if (!Number.isSafeInteger(signal.seq) || signal.seq < 1) throw TwirpError.invalid(`${field}.seq`, 'must be a whole number from 1');
  const kind = signal.kind;
  switch (kind.oneofKind) {
    case 'description': {
      const d = kind.description;
      if (!(d.type in SdpType) || d.type === SdpType.UNSPECIFIED)
        throw TwirpError.invalid(`${field}.description.type`, 'must be OFFER, ANSWER, PRANSWER or ROLLBACK');
      if (d.type !== SdpType.ROLLBACK && !d.sdp) throw TwirpError.missing(`${field}.description.sdp`);
      if (d.sdp.length > MAX_SDP_CHARS) throw TwirpError.invalid(`${field}.description.sdp`, `must be at most ${MAX_SDP_CHARS} characters`);
      for (const t of Object.values(d.trackTypes)) {
        if (!isPublishableTrackType(t))
          throw TwirpError.invalid(`${field}.description.track_types`, `contains ${t}: only AUDIO, VIDEO, SCREEN_SHARE and SCREEN_SHARE_AUDIO`);
      }
      return;
    }
    case 'candidate':
      if (kind.candidate.candidate.length > MAX_CANDIDATE_CHARS)
        throw TwirpError.invalid(`${field}.candidate.candidate`, `must be at most ${MAX_CANDIDATE_CHARS} characters`);
      return;
    case 'iceRestart':
      return;
    default:
      throw TwirpError.missing(`${field}.kind`);
  }
}
