import { Struct } from '../../../gen/google/protobuf/struct';
import type { Event } from '../../../gen/stream/video/coordinator/v1/events';
import type { CallSettings, CallState } from '../../../gen/stream/video/coordinator/v1/models';
import { MAX_CUSTOM_EVENT_BYTES, jsonByteLength } from '../../call/call-limits';
import { TwirpError } from '../twirp/twirp-error';
import { CallRecord, UserDirectory } from './call-record';
import { CALL_TYPES } from './call-types';

/** The oneof payload of an event, e.g. `{ oneofKind: 'callRing', callRing: {...} }`. */
export type EventPayload = Event['payload'];

/**
 * Receives the events that state changes produce. The WebSocket hub implements it: it
 * numbers each user's events and delivers or buffers them.
 */
export interface EventPublisher {
  /** Delivers `payload` about `callCid` to each of `userIds` (each user once). */
  publish(userIds: Iterable<string>, callCid: string, payload: EventPayload): void;
}

const CALL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const USER_ID = /^[^\s\u0000-\u001f]{1,128}$/;

/** Checks a call id: 1 to 64 of `A-Z a-z 0-9 _ -`. */
export function checkCallId(field: string, value: string): string {
  if (!value) throw TwirpError.missing(field);
  if (!CALL_ID.test(value)) throw TwirpError.invalid(field, 'must be 1 to 64 characters of A-Z, a-z, 0-9, _ and -');
  return value;
}

/** Checks a user id: 1 to 128 characters, no spaces or control characters. */
export function checkUserId(field: string, value: string): string {
  if (!value) throw TwirpError.missing(field);
  if (!USER_ID.test(value)) throw TwirpError.invalid(field, 'must be 1 to 128 characters without spaces');
  return value;
}

/**
 * Checks that a Struct holds JSON values only and returns it as JSON. The binary format can
 * carry what JSON cannot (NaN, infinities, a Value of no kind): kept, such a Struct would make
 * every later JSON answer (and every SDK that receives it) fail.
 */
export function checkStruct(field: string, value: Struct): { [key: string]: unknown } {
  try {
    return Struct.toJson(value) as { [key: string]: unknown };
  } catch {
    throw TwirpError.invalid(field, 'must hold JSON values only (no NaN, no infinity, no value without a kind)');
  }
}

/**
 * Checks the size of custom data, as JSON in UTF-8, against `limit` (default
 * {@link MAX_CUSTOM_EVENT_BYTES}): `invalid_argument` with meta `argument`, `limit` and `size` past it.
 */
export function checkCustomSize(field: string, json: unknown, limit = MAX_CUSTOM_EVENT_BYTES): void {
  const size = jsonByteLength(json);
  if (size > limit) {
    throw new TwirpError('invalid_argument', `${field} holds ${size} bytes as JSON, more than ${limit}`, {
      argument: field,
      limit: String(limit),
      size: String(size),
    });
  }
}

/** The in-memory state of the local coordinator: calls keyed by `type:id`, and users. */
export class CoordinatorState {
  readonly calls = new Map<string, CallRecord>();
  readonly users = new UserDirectory();

  constructor(
    private readonly publisher: EventPublisher,
    readonly now: () => number = Date.now,
  ) {}

  /** The call type named `type`, or `invalid_argument`. */
  callType(type: string) {
    if (!type) throw TwirpError.missing('type');
    const def = CALL_TYPES.get(type);
    if (!def) throw TwirpError.invalid('type', `"${type}" is not a known call type (${[...CALL_TYPES.keys()].join(', ')})`);
    return def;
  }

  /** The call `type:id`, or `not_found`. Checks both ids first. */
  getCall(type: string, id: string): CallRecord {
    this.callType(type);
    checkCallId('id', id);
    const call = this.calls.get(`${type}:${id}`);
    if (!call) throw new TwirpError('not_found', `call ${type}:${id} does not exist`);
    return call;
  }

  /** The call `type:id`, after checking that `userId` holds `capability` in it. */
  getCallFor(userId: string, type: string, id: string, capability: string): CallRecord {
    const call = this.getCall(type, id);
    requireCapability(call, userId, capability);
    return call;
  }

  /** Creates a call; the creator becomes its `admin` member. */
  createCall(type: string, id: string, creator: string, override: CallSettings | undefined): CallRecord {
    const def = this.callType(type);
    const settings = mergeSettings(def.settings, override);
    const now = this.now();
    const call = new CallRecord(def, checkCallId('id', id), creator, now, settings, this.now);
    call.members.set(creator, { userId: creator, role: 'admin', createdAt: now, updatedAt: now });
    this.calls.set(call.cid, call);
    return call;
  }

  /** The calls that ring `userId` now (as a member: incoming or outgoing), newest first, at most `limit`, as that user sees them. */
  ringingCallsOf(userId: string, limit = 50): CallState[] {
    const ringing = [...this.calls.values()].filter(
      (c) => c.ringing && !c.ended && !c.cancelled && c.members.has(userId) && !c.answers.has(userId) && !c.blocked.has(userId),
    );
    ringing.sort((a, b) => b.createdAt - a.createdAt);
    return ringing.slice(0, limit).map((c) => c.toState(userId, this.users));
  }

  /**
   * Removes the session `sessionId` from `call` and tells the call's audience (the leaving
   * user included) with `participantLeft`. Returns false when the session was not in the call.
   */
  removeParticipant(call: CallRecord, sessionId: string): boolean {
    const audience = call.audience();
    const record = call.removeParticipant(sessionId);
    if (!record) return false;
    call.touch(this.now());
    this.publish(audience, call, { oneofKind: 'participantLeft', participantLeft: { participant: call.toParticipant(record, this.users) } });
    return true;
  }

  /** The calls in which `userId` has a session, with those sessions' ids. */
  sessionsOf(userId: string): { call: CallRecord; sessionIds: string[] }[] {
    const found: { call: CallRecord; sessionIds: string[] }[] = [];
    for (const call of this.calls.values()) {
      const sessionIds = [...call.participants.values()].filter((p) => p.userId === userId).map((p) => p.sessionId);
      if (sessionIds.length > 0) found.push({ call, sessionIds });
    }
    return found;
  }

  /** Publishes `payload` about `call` to `userIds`. */
  publish(userIds: Iterable<string>, call: CallRecord, payload: EventPayload): void {
    this.publisher.publish(userIds, call.cid, payload);
  }
}

/** Throws `permission_denied` unless `userId` holds `capability` in `call`. */
export function requireCapability(call: CallRecord, userId: string, capability: string): void {
  if (!call.can(userId, capability)) {
    throw new TwirpError('permission_denied', `user "${userId}" may not ${capability.replace(/-/g, ' ')} in call ${call.cid}`, {
      capability,
    });
  }
}

/** Throws `failed_precondition` when `call` has ended. */
export function requireNotEnded(call: CallRecord): void {
  if (call.ended) throw new TwirpError('failed_precondition', `call ${call.cid} has ended`);
}

function mergeSettings(base: CallSettings, override: CallSettings | undefined): CallSettings {
  const ring = { ...base.ring!, ...pickDefined(override?.ring) };
  return {
    recording: override?.recording ?? base.recording,
    ring: { incomingCallTimeoutMs: ring.incomingCallTimeoutMs ?? 0, outgoingCallTimeoutMs: ring.outgoingCallTimeoutMs ?? 0 },
    requestablePermissions: override?.requestablePermissions.length ? [...override.requestablePermissions] : [...base.requestablePermissions],
    media: { maxPublishers: override?.media?.maxPublishers || base.media?.maxPublishers || 0 },
  };
}

function pickDefined<T extends object>(value: T | undefined): Partial<T> {
  if (!value) return {};
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== 0)) as Partial<T>;
}
