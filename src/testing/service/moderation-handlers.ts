import type { ICoordinatorService } from '../../../gen/stream/video/coordinator/v1/coordinator_service.server';
import type { Reaction, TrackType } from '../../../gen/stream/video/coordinator/v1/models';
import { MAX_REACTION_TEXT } from '../../call/call-limits';
import { isPublishableTrackType } from '../../media/track-type';
import type { CallRecord, ParticipantRecord } from '../state/call-record';
import { toTimestamp } from '../state/call-record';
import { checkCustomSize, checkStruct, checkUserId, requireNotEnded, type CoordinatorState } from '../state/coordinator-state';
import { TwirpError } from '../twirp/twirp-error';
import type { TwirpContext } from '../twirp/twirp-router';
import { setTracks } from './media-handlers';

type Service = ICoordinatorService<TwirpContext>;

/** Most users one MuteUsers request names. */
export const MAX_MUTED_USERS = 100;

/**
 * What moderation does to media beyond the call's state. In a mesh call nothing more is
 * needed: the muted client stops its tracks on `call.user_muted`, and a kicked or blocked
 * user's sessions leave the call as a LeaveCall would (`CoordinatorState.removeParticipant`).
 * A call with an SFU also stops forwarding a muted track there, whatever the client does.
 */
export interface ModerationMediaHooks {
  /**
   * A moderator muted `removed` of a session, whose published tracks are already set without
   * them (and `call.participant_updated` published): an SFU unpublishes them at the SFU.
   */
  tracksMuted?(call: CallRecord, record: ParticipantRecord, removed: readonly TrackType[]): void;
}

/** Reactions and moderation: SendReaction, MuteUsers, KickUser, BlockUser, UnblockUser. */
export function moderationHandlers(
  state: CoordinatorState,
  hooks: ModerationMediaHooks = {},
): Pick<Service, 'sendReaction' | 'muteUsers' | 'kickUser' | 'blockUser' | 'unblockUser'> {
  return {
    async sendReaction(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'create-reaction');
      requireNotEnded(call);
      if (!req.sessionId) throw TwirpError.missing('session_id');
      const record = call.participants.get(req.sessionId);
      if (!record || record.userId !== ctx.userId) {
        throw new TwirpError('permission_denied', `session ${req.sessionId} of user "${ctx.userId}" is not a participant of call ${call.cid}`, {
          session_id: req.sessionId,
        });
      }
      if (!req.reactionType) throw TwirpError.missing('reaction_type');
      if (req.reactionType.length > MAX_REACTION_TEXT) throw TwirpError.invalid('reaction_type', `must be at most ${MAX_REACTION_TEXT} characters`);
      if (req.emojiCode.length > MAX_REACTION_TEXT) throw TwirpError.invalid('emoji_code', `must be at most ${MAX_REACTION_TEXT} characters`);
      if (req.custom) checkCustomSize('custom', checkStruct('custom', req.custom));
      const now = state.now();
      const reaction: Reaction = {
        user: state.users.get(ctx.userId),
        sessionId: record.sessionId,
        type: req.reactionType,
        emojiCode: req.emojiCode,
        custom: req.custom,
        createdAt: toTimestamp(now),
      };
      record.reaction = { reaction, at: now };
      state.publish(call.audience(), call, { oneofKind: 'callReactionNew', callReactionNew: { reaction } });
      return { reaction };
    },

    async muteUsers(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'mute-users');
      requireNotEnded(call);
      // Every field is checked before anything changes: a refused request changes nothing.
      if (req.trackTypes.length === 0) throw TwirpError.missing('track_types');
      for (const t of req.trackTypes) {
        if (!isPublishableTrackType(t)) throw TwirpError.invalid('track_types', `contains ${t}: only AUDIO, VIDEO and SCREEN_SHARE can be muted`);
      }
      if (req.muteAllUsers && req.userIds.length > 0) throw TwirpError.invalid('user_ids', 'must be empty when mute_all_users is set');
      if (!req.muteAllUsers && req.userIds.length === 0) throw TwirpError.missing('user_ids');
      if (req.userIds.length > MAX_MUTED_USERS) throw TwirpError.invalid('user_ids', `must name at most ${MAX_MUTED_USERS} users`);
      req.userIds.forEach((u, i) => {
        checkUserId(`user_ids[${i}]`, u);
        if (!call.involves(u)) throw new TwirpError('not_found', `user "${u}" is not in call ${call.cid}`, { user_id: u });
      });
      const types = [...new Set(req.trackTypes)].sort((a, b) => a - b);
      const targets = req.muteAllUsers
        ? [...new Set([...call.participants.values()].map((p) => p.userId))].filter((u) => u !== ctx.userId)
        : [...new Set(req.userIds)];
      if (targets.length === 0) return { mutedUserIds: [] };
      const muted = new Set(targets);
      // The state first (what every client's store shows), then the notice the muted clients act on.
      for (const record of call.participants.values()) {
        if (!muted.has(record.userId) || !record.publishedTracks?.length) continue;
        const removed = record.publishedTracks.filter((t) => types.includes(t));
        if (removed.length === 0) continue;
        setTracks(
          state,
          call,
          record,
          record.publishedTracks.filter((t) => !types.includes(t)),
        );
        hooks.tracksMuted?.(call, record, removed);
      }
      call.touch(state.now());
      state.publish(call.audience(), call, {
        oneofKind: 'callUserMuted',
        callUserMuted: { user: state.users.get(ctx.userId), mutedUserIds: targets, trackTypes: types },
      });
      return { mutedUserIds: targets };
    },

    async kickUser(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'kick-user');
      requireNotEnded(call);
      checkUserId('user_id', req.userId);
      const sessions = sessionsOf(call, req.userId);
      if (sessions.length === 0) return { removedSessions: 0 };
      state.publish(call.audience(), call, {
        oneofKind: 'callKickedUser',
        callKickedUser: { user: state.users.get(req.userId), kickedByUser: state.users.get(ctx.userId) },
      });
      for (const sessionId of sessions) state.removeParticipant(call, sessionId);
      return { removedSessions: sessions.length };
    },

    async blockUser(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'block-users');
      requireNotEnded(call);
      checkUserId('user_id', req.userId);
      if (req.userId === ctx.userId) throw TwirpError.invalid('user_id', 'must be another user than the caller');
      if (req.userId === call.createdBy) throw new TwirpError('failed_precondition', `the creator of call ${call.cid} cannot be blocked`);
      if (call.blocked.has(req.userId)) return {};
      const audience = call.audience();
      call.blocked.add(req.userId);
      call.touch(state.now());
      state.publish(audience, call, {
        oneofKind: 'callBlockedUser',
        callBlockedUser: { user: state.users.get(req.userId), blockedByUser: state.users.get(ctx.userId), blockedUserIds: call.blockedUserIds() },
      });
      for (const sessionId of sessionsOf(call, req.userId)) state.removeParticipant(call, sessionId);
      return {};
    },

    async unblockUser(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'block-users');
      checkUserId('user_id', req.userId);
      if (!call.blocked.delete(req.userId)) return {};
      call.touch(state.now());
      // The user hears it too, member or not: they may join again.
      state.publish(new Set([...call.audience(), req.userId]), call, {
        oneofKind: 'callUnblockedUser',
        callUnblockedUser: { user: state.users.get(req.userId), unblockedByUser: state.users.get(ctx.userId), blockedUserIds: call.blockedUserIds() },
      });
      return {};
    },
  };
}

/** The session ids `userId` has in `call`. */
function sessionsOf(call: CallRecord, userId: string): string[] {
  return [...call.participants.values()].filter((p) => p.userId === userId).map((p) => p.sessionId);
}

/** Throws `permission_denied` (meta `reason = "blocked"`) when `userId` is blocked from `call`. */
export function requireNotBlocked(call: CallRecord, userId: string): void {
  if (call.blocked.has(userId)) throw new TwirpError('permission_denied', `user "${userId}" is blocked from call ${call.cid}`, { reason: 'blocked' });
}
