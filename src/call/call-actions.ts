import type { PartialMessage } from '@protobuf-ts/runtime';
import { CallEventType } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { Reaction as WireReaction } from '../../gen/stream/video/coordinator/v1/models';
import type { RpcCallOptions, RpcInput, RpcOutput, StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import { StreamVideoError } from '../errors/stream-video-error';
import { isPublishableTrackType, type TrackType } from '../media/track-type';
import { toPlain } from '../plain/plain-data';
import type { Reaction } from '../plain/plain-types';
import { checkKnownKeys } from '../validation/known-keys';
import { checkUserId, toStruct } from '../validation/arguments';
import { jsonByteLength, MAX_CUSTOM_EVENT_BYTES, MAX_REACTION_TEXT } from './call-limits';

/** The RPCs a joined {@link Call} sends about itself, by local name. */
export type CallRpc = 'endCall' | 'sendCallEvent' | 'sendReaction' | 'muteUsers' | 'kickUser' | 'blockUser' | 'unblockUser';
/** The fields of such an RPC besides the call's type and id. */
export type CallRpcInput<K extends CallRpc> = Omit<PartialMessage<RpcInput<K>>, 'type' | 'id'>;

/** A reaction as `call.sendReaction` takes it. */
export interface ReactionRequest {
  /** What kind of reaction, e.g. `like`, `raised-hand`, `fireworks`: 1 to 64 characters. */
  type: string;
  /** The emoji to show, e.g. `:fireworks:` or `🎉`: at most 64 characters (default none). */
  emojiCode?: string;
  /** Data of the app's own, JSON: at most 5,120 bytes as JSON (default none). */
  custom?: Record<string, unknown>;
}

/** What sending a call RPC needs: the typed client, the user session, and a connected socket. */
export interface CallRpcSender {
  readonly coordinator: StreamCoordinatorClient;
  readonly rpc: RpcSession;
  ready(method: string): Promise<void>;
}

/**
 * Sends `rpc` about the call `cid` once the socket is connected, as the session's user.
 * @param method the `Call` member that sends it, for errors.
 */
export async function sendCallRpc<K extends CallRpc>(
  sender: CallRpcSender,
  cid: string,
  rpc: K,
  input: CallRpcInput<K>,
  method: string,
): Promise<RpcOutput<K>> {
  await sender.ready(method);
  const at = cid.indexOf(':');
  const send = sender.coordinator[rpc] as (input: object, options: RpcCallOptions) => Promise<RpcOutput<K>>;
  return send({ type: cid.slice(0, at), id: cid.slice(at + 1), ...input }, { session: sender.rpc });
}

/**
 * Checks a custom event's payload: a plain JSON object of at most {@link MAX_CUSTOM_EVENT_BYTES}
 * as JSON. Past the limit: `invalid_argument` with `meta.argument`, `meta.limit` and `meta.size`.
 */
export function customEventInput(method: string, payload: unknown): CallRpcInput<'sendCallEvent'> {
  return { eventType: CallEventType.CUSTOM, custom: checkedCustom(method, 'payload', payload) };
}

/** Checks a reaction and turns it into SendReaction's fields, from the session `sessionId`. */
export function reactionInput(method: string, reaction: unknown, sessionId: string): CallRpcInput<'sendReaction'> {
  if (typeof reaction !== 'object' || reaction === null || Array.isArray(reaction))
    throw StreamVideoError.invalidArgument(method, 'reaction', 'must be an object');
  checkKnownKeys(method, 'reaction', reaction, ['type', 'emojiCode', 'custom']);
  const r = reaction as Record<string, unknown>;
  const text = (key: 'type' | 'emojiCode', required: boolean): string => {
    const v = r[key];
    if (v === undefined && !required) return '';
    if (typeof v !== 'string' || v.length > MAX_REACTION_TEXT || (required && v.length === 0)) {
      throw StreamVideoError.invalidArgument(method, `reaction.${key}`, `must be a string of ${required ? '1' : '0'} to ${MAX_REACTION_TEXT} characters`);
    }
    return v;
  };
  const reactionType = text('type', true);
  const emojiCode = text('emojiCode', false);
  const custom = r['custom'] === undefined ? undefined : checkedCustom(method, 'reaction.custom', r['custom']);
  return { sessionId, reactionType, emojiCode, custom };
}

/** A SendReaction answer's reaction, as plain data. */
export function plainReaction(method: string, reaction: WireReaction | undefined): Reaction {
  if (!reaction) throw new StreamVideoError('internal', 'the answer lacks the reaction', { method });
  return toPlain(WireReaction, reaction);
}

/** Checks MuteUsers' users (one id or a list) and track type. */
export function muteInput(method: string, userIds: unknown, trackType: unknown): CallRpcInput<'muteUsers'> {
  const ids = Array.isArray(userIds) ? userIds : [userIds];
  if (ids.length === 0) throw StreamVideoError.invalidArgument(method, 'userId', 'must name at least one user');
  return {
    userIds: ids.map((id, i) => checkUserId(method, Array.isArray(userIds) ? `userId[${i}]` : 'userId', id)),
    trackTypes: [checkTrackType(method, trackType)],
  };
}

/** Checks a track type to mute: `TrackType.AUDIO`, `VIDEO` or `SCREEN_SHARE`. */
export function checkTrackType(method: string, trackType: unknown): TrackType {
  if (!isPublishableTrackType(trackType)) throw StreamVideoError.invalidArgument(method, 'trackType', 'must be TrackType.AUDIO, VIDEO or SCREEN_SHARE');
  return trackType;
}

function checkedCustom(method: string, argument: string, value: unknown) {
  const struct = toStruct(method, argument, value);
  const size = jsonByteLength(value);
  if (size > MAX_CUSTOM_EVENT_BYTES) {
    throw new StreamVideoError('invalid_argument', `${argument} holds ${size} bytes as JSON, more than ${MAX_CUSTOM_EVENT_BYTES}`, {
      method,
      meta: { argument, limit: String(MAX_CUSTOM_EVENT_BYTES), size: String(size) },
    });
  }
  return struct;
}
