import type { CallSettings, IceServer } from '../../../gen/stream/video/coordinator/v1/models';

/** Capabilities a call role may hold; the names the SDK and the server share. */
export const CAPABILITIES = [
  'read-call',
  'join-call',
  'send-audio',
  'send-video',
  'screenshare',
  'start-record-call',
  'stop-record-call',
  'update-call-permissions',
  'update-call-member',
  'end-call',
  'create-reaction',
  'mute-users',
  'kick-user',
  'block-users',
] as const;

/** Permissions that UpdateUserPermissions may grant or revoke. */
export const GRANTABLE_PERMISSIONS: ReadonlySet<string> = new Set(['send-audio', 'send-video', 'screenshare']);

/**
 * The moderation capabilities (MuteUsers, KickUser, BlockUser and UnblockUser): held by the
 * `admin` and `moderator` roles of every built-in call type, and by every role of `development`
 * calls but the non-member's.
 */
export const MODERATION_CAPABILITIES = ['mute-users', 'kick-user', 'block-users'] as const;

/**
 * The call role of a user who is not a member of the call. What it holds decides who may read
 * and join a call of each type: nothing in `default` (members only), `read-call` and
 * `join-call` in `audio_room` and `livestream` (open), the media capabilities in `development`.
 */
export const NON_MEMBER_ROLE = 'user';

/** A call type: its default settings and the capabilities of each call role. */
export interface CallTypeDefinition {
  /** The call type's name, the `type` of its calls, e.g. `default`. */
  readonly name: string;
  /** The settings a new call of this type starts with; `settingsOverride` replaces some of them. */
  readonly settings: CallSettings;
  /**
   * The capabilities of each call role, e.g. `member: ['read-call', 'join-call']`. A member's
   * role must be one of these keys; a user who is not a member has the `user` role.
   */
  readonly roles: Readonly<Record<string, readonly string[]>>;
  /**
   * The STUN/TURN servers handed to the call's participants with their credentials (default
   * none: on loopback, host candidates connect). `LocalCoordinatorOptions.iceServers` sets them.
   */
  readonly iceServers?: readonly IceServer[];
}

/** The mesh limit when a call's settings say 0: publishing participants per call. */
export const DEFAULT_MAX_PUBLISHERS = 4;

const ALL = CAPABILITIES;
const MODERATOR = ALL;
const MEDIA = ['read-call', 'join-call', 'send-audio', 'send-video', 'screenshare'];

function settings(recording: boolean, requestable: string[]): CallSettings {
  return {
    recording: { enabled: recording },
    ring: { incomingCallTimeoutMs: 0, outgoingCallTimeoutMs: 0 },
    requestablePermissions: requestable,
    media: { maxPublishers: DEFAULT_MAX_PUBLISHERS },
  };
}

/** The call types the local coordinator knows; any other type is `invalid_argument`. */
export const CALL_TYPES: ReadonlyMap<string, CallTypeDefinition> = new Map(
  (
    [
      {
        name: 'default',
        settings: settings(true, ['send-audio', 'send-video', 'screenshare']),
        // Members only: a user who is not a member can neither see nor join the call.
        roles: { admin: ALL, moderator: MODERATOR, member: ['read-call', 'join-call', 'send-audio', 'send-video', 'create-reaction'], user: [] },
      },
      {
        name: 'audio_room',
        settings: settings(true, ['send-audio']),
        roles: { admin: ALL, moderator: MODERATOR, member: ['read-call', 'join-call'], user: ['read-call', 'join-call'] },
      },
      {
        name: 'livestream',
        settings: settings(true, []),
        roles: { admin: ALL, moderator: MODERATOR, member: ['read-call', 'join-call'], user: ['read-call', 'join-call'] },
      },
      {
        name: 'development',
        settings: settings(true, ['send-audio', 'send-video', 'screenshare']),
        roles: { admin: ALL, moderator: ALL, member: ALL, user: MEDIA },
      },
    ] satisfies CallTypeDefinition[]
  ).map((t) => [t.name, t]),
);
