import type { ICoordinatorService } from '../../../gen/stream/video/coordinator/v1/coordinator_service.server';
import { CallEventType } from '../../../gen/stream/video/coordinator/v1/coordinator_service';
import type { TwirpContext } from '../twirp/twirp-router';
import { TwirpError } from '../twirp/twirp-error';
import { GRANTABLE_PERMISSIONS } from '../state/call-types';
import type { CallRecord } from '../state/call-record';
import { checkCustomSize, checkStruct, checkUserId, requireCapability, requireNotEnded, type CoordinatorState } from '../state/coordinator-state';
import { checkAnswer, recordAnswer } from './ring-answers';
import { dropRevokedTracks } from './media-handlers';

type Service = ICoordinatorService<TwirpContext>;

/** The ring flow answers, custom events, recording and permissions. */
export function actionHandlers(
  state: CoordinatorState,
): Pick<Service, 'sendCallEvent' | 'startRecording' | 'stopRecording' | 'requestPermission' | 'updateUserPermissions'> {
  return {
    async sendCallEvent(req, ctx) {
      const call = state.getCall(req.type, req.id);
      const user = state.users.get(ctx.userId);
      switch (req.eventType) {
        case CallEventType.ACCEPTED:
        case CallEventType.REJECTED: {
          const answer = req.eventType === CallEventType.ACCEPTED ? 'accepted' : 'rejected';
          checkAnswer(call, ctx.userId, answer);
          if (req.reason.length > 64) throw TwirpError.invalid('reason', 'must be at most 64 characters');
          recordAnswer(state, call, ctx.userId, answer, answer === 'rejected' ? req.reason : '');
          break;
        }
        case CallEventType.CANCELLED: {
          if (call.createdBy !== ctx.userId) throw new TwirpError('permission_denied', `only the creator of call ${call.cid} may cancel it`);
          requireNotEnded(call);
          if (call.cancelled) break;
          // The creator never answers; what blocks a cancel is a callee who accepted.
          if ([...call.answers.values()].includes('accepted')) throw new TwirpError('failed_precondition', `call ${call.cid} was already accepted`);
          call.cancelled = true;
          call.ringing = false;
          call.touch(state.now());
          state.publish(call.audience(), call, { oneofKind: 'callCancelled', callCancelled: { user } });
          break;
        }
        case CallEventType.CUSTOM: {
          requireInCall(call, ctx.userId);
          requireNotEnded(call);
          if (!req.custom) throw TwirpError.missing('custom');
          checkCustomSize('custom', checkStruct('custom', req.custom));
          state.publish(call.audience(), call, { oneofKind: 'custom', custom: { user, custom: req.custom } });
          break;
        }
        default:
          throw TwirpError.invalid('event_type', 'must be ACCEPTED, REJECTED, CANCELLED or CUSTOM');
      }
      return { call: call.toState(ctx.userId, state.users) };
    },

    async startRecording(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'start-record-call');
      requireNotEnded(call);
      if (!call.settings.recording?.enabled) throw new TwirpError('failed_precondition', `recording is disabled for call ${call.cid}`);
      if (call.recording) throw new TwirpError('failed_precondition', `call ${call.cid} is already being recorded`);
      call.recording = true;
      call.touch(state.now());
      state.publish(call.audience(), call, { oneofKind: 'recordingStarted', recordingStarted: { user: state.users.get(ctx.userId) } });
      return {};
    },

    async stopRecording(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'stop-record-call');
      if (!call.recording) throw new TwirpError('failed_precondition', `call ${call.cid} is not being recorded`);
      call.recording = false;
      call.touch(state.now());
      state.publish(call.audience(), call, { oneofKind: 'recordingStopped', recordingStopped: { user: state.users.get(ctx.userId) } });
      return {};
    },

    async requestPermission(req, ctx) {
      const call = state.getCall(req.type, req.id);
      requireInCall(call, ctx.userId);
      requireNotEnded(call);
      if (req.permissions.length === 0) throw TwirpError.missing('permissions');
      const requestable = new Set(call.settings.requestablePermissions);
      for (const p of req.permissions) {
        if (!requestable.has(p)) {
          throw new TwirpError(
            'permission_denied',
            `permission "${p}" cannot be requested in call ${call.cid} (requestable: ${[...requestable].join(', ') || 'none'})`,
            {
              permission: p,
            },
          );
        }
      }
      state.publish(call.audience(), call, {
        oneofKind: 'permissionRequest',
        permissionRequest: { user: state.users.get(ctx.userId), permissions: [...new Set(req.permissions)] },
      });
      return {};
    },

    async updateUserPermissions(req, ctx) {
      const call = state.getCallFor(ctx.userId, req.type, req.id, 'update-call-permissions');
      requireNotEnded(call);
      checkUserId('user_id', req.userId);
      if (req.grantPermissions.length === 0 && req.revokePermissions.length === 0) {
        throw TwirpError.invalid('grant_permissions', 'and revoke_permissions are both empty: nothing to change');
      }
      for (const [field, list] of [
        ['grant_permissions', req.grantPermissions],
        ['revoke_permissions', req.revokePermissions],
      ] as const) {
        for (const p of list) {
          if (!GRANTABLE_PERMISSIONS.has(p))
            throw TwirpError.invalid(field, `contains "${p}": only ${[...GRANTABLE_PERMISSIONS].join(', ')} can be granted or revoked`);
        }
      }
      if (!call.involves(req.userId)) throw new TwirpError('not_found', `user "${req.userId}" is not in call ${call.cid}`);
      const granted = setOf(call.granted, req.userId);
      const revoked = setOf(call.revoked, req.userId);
      for (const p of req.grantPermissions) {
        granted.add(p);
        revoked.delete(p);
      }
      for (const p of req.revokePermissions) {
        revoked.add(p);
        granted.delete(p);
      }
      call.touch(state.now());
      const capabilities = call.capabilitiesOf(req.userId);
      state.publish(call.audience(), call, { oneofKind: 'permissionsUpdated', permissionsUpdated: { userId: req.userId, ownCapabilities: capabilities } });
      // A revoked send-audio / send-video / screenshare also unpublishes that track (media).
      if (req.revokePermissions.length > 0) dropRevokedTracks(state, call, req.userId);
      return { capabilities };
    },
  };
}

/** Throws `permission_denied` unless `userId` may read `call` and is in it (a member or a participant). */
function requireInCall(call: CallRecord, userId: string): void {
  requireCapability(call, userId, 'read-call');
  if (!call.involves(userId)) throw new TwirpError('permission_denied', `user "${userId}" is not in call ${call.cid}`);
}

function setOf(map: Map<string, Set<string>>, key: string): Set<string> {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  return set;
}
