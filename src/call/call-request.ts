import type { MemberInput } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { Struct } from '../../gen/google/protobuf/struct';
import { StreamVideoError } from '../errors/stream-video-error';
import { checkPermissions, checkUserId, toStruct, toUser, type UserInput } from '../validation/arguments';
import { checkKnownKeys } from '../validation/known-keys';

/**
 * One member to add to a new call, in {@link CallRequestData.members}.
 *
 * ```ts
 * await client.getOrCreateCall('standup', 'default', { members: [{ userId: 'bob' }, { userId: 'carol', role: 'moderator' }] });
 * ```
 */
export interface CallMemberRequest {
  /** The member's user id: 1 to 128 characters without spaces. */
  userId: string;
  /**
   * The member's call role (default `member`). It must be a role of the call type (`admin`,
   * `moderator`, `member` or `user` for the built-in types), or the server answers
   * `invalid_argument`. The creator is always `admin`: another role for the creator fails
   * with `failed_precondition`.
   */
  role?: string;
  /** Profile data (name, image, ...) the server stores for this user; its `id` is replaced by `userId`. */
  user?: Partial<UserInput>;
}

/**
 * Overrides of the call type's settings, in {@link CallRequestData.settingsOverride}. A field
 * left out keeps the call type's default.
 *
 * ```ts
 * await client.getOrCreateCall('quiet', 'default', { settingsOverride: { recording: { enabled: false } } });
 * ```
 */
export interface CallSettingsOverride {
  /** The recording settings; given, they replace the call type's. */
  recording?: {
    /** Whether the call may be recorded: when false, `startRecording` fails with `failed_precondition`. */
    enabled: boolean;
  };
  /**
   * The ring timeouts of the call, in ms; 0 or a field left out keeps the call type's value.
   * The client's {@link CallConfig} timeouts win over these when they are not 0.
   */
  ring?: {
    /** An unanswered incoming ring is rejected after this many ms. */
    incomingCallTimeoutMs?: number;
    /** An unanswered outgoing ring is cancelled after this many ms. */
    outgoingCallTimeoutMs?: number;
  };
  /**
   * The permissions participants may ask for with `requestCallPermissions`, e.g. `send-audio`.
   * An empty list keeps the call type's list (it cannot turn requests off).
   */
  requestablePermissions?: string[];
  /**
   * How the call carries media: `topology` `'sfu'` (through the coordinator's SFU; the
   * coordinator must have one) or `'mesh'` (peer to peer); left out, the coordinator's default
   * (`'sfu'` when it has an SFU). `maxPublishers`: most publishing participants (0 or left out:
   * the topology's default).
   */
  media?: {
    /** `'sfu'` or `'mesh'`. */
    topology?: 'sfu' | 'mesh';
    /** Most participants publishing at once. */
    maxPublishers?: number;
  };
}

/**
 * What a call is created with: its members, settings and custom data, and whether to ring.
 * Only `ring` has an effect when the call exists already: members, settings and custom data
 * are applied on creation only.
 *
 * ```ts
 * await client.getOrCreateCall('abc', 'default', { members: [{ userId: 'bob' }], ring: true, custom: { topic: 'standup' } });
 * ```
 */
export interface CallRequestData {
  /** Members to add when the call is created; the creator is always a member, as `admin`. */
  members?: CallMemberRequest[];
  /**
   * Ring the members. Default in `getOrCreateCall`: the call config's `ringByDefault`, when
   * there are members; default in `joinCall`: false.
   */
  ring?: boolean;
  /** Overrides of the call type's settings. */
  settingsOverride?: CallSettingsOverride;
  /** Custom data of the call: it must be a JSON object, or the call fails with `invalid_argument`. */
  custom?: Record<string, unknown>;
}

/**
 * Checks the data of `getOrCreateCall` / `joinCall` and turns it into the schema's form.
 * @throws StreamVideoError `invalid_argument` naming the offending field (`data.members[1].userId`...).
 */
export function toCallInput(
  method: string,
  data: CallRequestData | undefined,
): { members: MemberInput[]; custom: Struct | undefined; settingsOverride: CallSettingsOverride | undefined } {
  if (data !== undefined && (typeof data !== 'object' || data === null)) throw StreamVideoError.invalidArgument(method, 'data', 'must be an object');
  if (data) checkKnownKeys(method, 'data', data, ['members', 'ring', 'settingsOverride', 'custom']);
  if (data?.members !== undefined && !Array.isArray(data.members)) throw StreamVideoError.invalidArgument(method, 'data.members', 'must be an array');
  const members = (data?.members ?? []).map((m, i) => {
    const arg = `data.members[${i}]`;
    if (typeof m !== 'object' || m === null) throw StreamVideoError.invalidArgument(method, arg, 'must be an object');
    checkKnownKeys(method, arg, m, ['userId', 'role', 'user']);
    const userId = checkUserId(method, `${arg}.userId`, m.userId);
    if (m.role !== undefined && typeof m.role !== 'string') throw StreamVideoError.invalidArgument(method, `${arg}.role`, 'must be a string');
    return { userId, role: m.role ?? '', user: m.user === undefined ? undefined : toUser(method, `${arg}.user`, m.user, userId) };
  });
  if (data?.ring !== undefined && typeof data.ring !== 'boolean') throw StreamVideoError.invalidArgument(method, 'data.ring', 'must be a boolean');
  const custom = data?.custom === undefined ? undefined : toStruct(method, 'data.custom', data.custom);
  return { members, custom, settingsOverride: checkSettingsOverride(method, data?.settingsOverride) };
}

/** Checks `data.settingsOverride`: its keys and the type of each value. */
function checkSettingsOverride(method: string, value: unknown): CallSettingsOverride | undefined {
  if (value === undefined) return undefined;
  const path = 'data.settingsOverride';
  const object = (v: unknown, p: string): Record<string, unknown> => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw StreamVideoError.invalidArgument(method, p, 'must be an object');
    return v as Record<string, unknown>;
  };
  const o = object(value, path);
  checkKnownKeys(method, path, o, ['recording', 'ring', 'requestablePermissions', 'media']);
  if (o['recording'] !== undefined) {
    const recording = object(o['recording'], `${path}.recording`);
    checkKnownKeys(method, `${path}.recording`, recording, ['enabled']);
    if (typeof recording['enabled'] !== 'boolean') throw StreamVideoError.invalidArgument(method, `${path}.recording.enabled`, 'must be a boolean');
  }
  if (o['ring'] !== undefined) {
    const ring = object(o['ring'], `${path}.ring`);
    checkKnownKeys(method, `${path}.ring`, ring, ['incomingCallTimeoutMs', 'outgoingCallTimeoutMs']);
    for (const [k, v] of Object.entries(ring)) {
      if (v !== undefined && !(Number.isInteger(v) && (v as number) >= 0 && (v as number) <= 2 ** 32 - 1))
        throw StreamVideoError.invalidArgument(method, `${path}.ring.${k}`, 'must be a whole number of ms');
    }
  }
  if (o['requestablePermissions'] !== undefined) checkPermissions(method, `${path}.requestablePermissions`, o['requestablePermissions'], true);
  if (o['media'] !== undefined) {
    const media = object(o['media'], `${path}.media`);
    checkKnownKeys(method, `${path}.media`, media, ['topology', 'maxPublishers']);
    if (media['topology'] !== undefined && media['topology'] !== 'sfu' && media['topology'] !== 'mesh')
      throw StreamVideoError.invalidArgument(method, `${path}.media.topology`, 'must be "sfu" or "mesh"');
    const max = media['maxPublishers'];
    if (max !== undefined && !(Number.isInteger(max) && (max as number) >= 0 && (max as number) <= 1000))
      throw StreamVideoError.invalidArgument(method, `${path}.media.maxPublishers`, 'must be a whole number from 0 to 1000');
  }
  return o;
}

/** A new id for a session in a call: a UUID where the platform has one. */
export function newSessionId(): string {
  const uuid = (globalThis.crypto as Crypto | undefined)?.randomUUID?.();
  if (uuid) return uuid;
  return `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 12)}-${Math.random().toString(36).slice(2, 12)}`;
}
