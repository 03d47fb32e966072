import { Event } from '../../gen/stream/video/coordinator/v1/events';
import type { IMessageType } from '@protobuf-ts/runtime';
import { toPlain, type JsonObject, type JsonValue, type Plain } from '../plain/plain-data';
import type { StreamVideoError } from '../errors/stream-video-error';
import type { CoordinatorEventBase } from '../store/state-store';
import type { ConnectionState } from '../ws/connection-state';
import type { DeviceEventMap } from './device-events';

export type { CoordinatorEventBase };

type Payload = Event['payload'];
/** The oneof cases of an event's payload, e.g. `callRing`. */
export type EventCase = Exclude<Payload['oneofKind'], undefined>;
type PayloadOf<K extends EventCase> = Plain<Extract<Payload, { oneofKind: K }> extends infer P ? (K extends keyof P ? P[K] : never) : never>;

/**
 * The name of each coordinator event, by the oneof case that carries it. A new case in the
 * schema fails to compile here until it is named.
 */
export const EVENT_NAMES = {
  callCreated: 'call.created',
  callRing: 'call.ring',
  callAccepted: 'call.accepted',
  callRejected: 'call.rejected',
  callCancelled: 'call.cancelled',
  callEnded: 'call.ended',
  callUpdated: 'call.updated',
  callMembersUpdated: 'call.members_updated',
  participantJoined: 'call.participant_joined',
  participantLeft: 'call.participant_left',
  dominantSpeakerChanged: 'call.dominant_speaker_changed',
  permissionRequest: 'call.permission_request',
  permissionsUpdated: 'call.permissions_updated',
  recordingStarted: 'call.recording_started',
  recordingStopped: 'call.recording_stopped',
  custom: 'custom',
  participantUpdated: 'call.participant_updated',
  callSignal: 'call.signal',
  sfuChanged: 'call.sfu_changed',
  callReactionNew: 'call.reaction_new',
  callUserMuted: 'call.user_muted',
  callKickedUser: 'call.kicked_user',
  callBlockedUser: 'call.blocked_user',
  callUnblockedUser: 'call.unblocked_user',
  recordingReady: 'call.recording_ready',
  recordingFailed: 'call.recording_failed',
} as const satisfies Record<EventCase, string>;

type NameOf<K extends EventCase> = (typeof EVENT_NAMES)[K];

export type { JsonObject, JsonValue };

/** The coordinator events by name, each with its payload's fields. */
export type CoordinatorEventMap = {
  [K in Exclude<EventCase, 'custom'> as NameOf<K>]: CoordinatorEventBase<NameOf<K>> & PayloadOf<K>;
} & {
  /** A custom event sent with `SendCallEvent`; `custom` is its JSON payload. */
  custom: CoordinatorEventBase<'custom'> & {
    /** The user who sent the event. */
    user?: PayloadOf<'custom'>['user'];
    /** The event's JSON payload, as sent; `{}` when it had none. */
    custom: JsonObject;
  };
};

/** The SDK's own events about the connection. */
export interface ConnectionEventMap {
  /**
   * The connection closed for good (the server refused the credentials, or the reconnect
   * policy gave up): `error` says why. `connection.changed` with `disconnected` follows, the
   * store is reset, and `connectUser` may be called again.
   */
  'connection.error': {
    /** Always `connection.error`. */
    type: 'connection.error';
    /** Why the connection closed, with its `cause`. */
    error: StreamVideoError;
  };
  /** The connection went up or down; `state` is the new connection state. */
  'connection.changed': {
    /** Always `connection.changed`. */
    type: 'connection.changed';
    /** True when `state` is `connected`. */
    online: boolean;
    /** The new connection state (never `idle`). */
    state: ConnectionState;
  };
  /**
   * A frame from the server was dropped, and the connection carries on: `error` is
   * `malformed`, its `meta.reason` says why (`not_binary`, `undecodable`, `unknown_frame`,
   * `unknown_event`, `unreadable_event`), `meta.seq` names the event when known and
   * `meta.url` the connection. Each is logged with its code too. Not a failure of the
   * connection (that is `connection.error`): nothing follows it.
   */
  'connection.frame_dropped': {
    /** Always `connection.frame_dropped`. */
    type: 'connection.frame_dropped';
    /** What was dropped, and why. */
    error: StreamVideoError;
  };
  /** Events were lost beyond the server's replay buffer; the store was reloaded through RPCs. */
  'connection.recovered': {
    /** Always `connection.recovered`. */
    type: 'connection.recovered';
    /** Why the state was reloaded: `resync`, the only reason for now. */
    reason: 'resync';
    /** How many of the user's calls (those they are a member of) the reload read. */
    calls: number;
  };
}

/**
 * Every event `on` can subscribe to, by name:
 * `call.created`, `call.ring`, `call.accepted`, `call.rejected`, `call.cancelled`,
 * `call.ended`, `call.updated`, `call.members_updated`, `call.participant_joined`,
 * `call.participant_left`, `call.dominant_speaker_changed`, `call.permission_request`,
 * `call.permissions_updated`, `call.recording_started`, `call.recording_stopped`, `custom`,
 * `call.participant_updated` (a participant's `publishedTracks` changed: mute, unmute, a
 * revoked capability), `call.signal` (WebRTC signalling for the SDK's peer connections; apps
 * need not listen), `call.sfu_changed` (the SFU of an SFU call stopped or is back; the SDK
 * reconnects its media by itself), `call.reaction_new` (a participant reacted: its `reaction` in the store),
 * `call.user_muted` (a moderator muted users: a muted client stops those tracks),
 * `call.kicked_user` and `call.blocked_user` (a moderator removed a user: for the connected
 * user, the call is left with its media), `call.unblocked_user`, `call.recording_ready` (a
 * recording of an SFU call is a file now: `callRecording` has its name, times, duration and a
 * signed download URL), `call.recording_failed` (a recording could not be made into a file:
 * `reason`), `connection.changed`, `connection.recovered`, `connection.error`, `connection.frame_dropped`, `device.changed` (a
 * camera, microphone or speaker unplugged or plugged back in).
 */
export type StreamEventMap = CoordinatorEventMap & ConnectionEventMap & DeviceEventMap;
/** An event name, e.g. `call.ring`. */
export type StreamEventName = keyof StreamEventMap;
/** Any event. */
export type StreamEvent = StreamEventMap[StreamEventName];
/** A coordinator event (one that came through the socket). */
export type CoordinatorEvent = CoordinatorEventMap[keyof CoordinatorEventMap];

/**
 * Turns a decoded event into its named form, or `undefined` for a kind this SDK does not know
 * or a payload it cannot read (a custom `Struct` holding what JSON cannot: NaN, a value of no kind).
 */
export function toCoordinatorEvent(event: Event): CoordinatorEvent | undefined {
  const payload = event.payload;
  if (payload.oneofKind === undefined) return undefined;
  const name = EVENT_NAMES[payload.oneofKind];
  const type = PAYLOAD_TYPES.get(payload.oneofKind);
  if (name === undefined || type === undefined) return undefined;
  const body = (payload as Record<string, unknown>)[payload.oneofKind] as object;
  let plain: object;
  try {
    // Custom data as JSON, times as Dates; a message with neither comes back as it is.
    plain = toPlain(type, body);
  } catch {
    return undefined; // custom data that JSON cannot hold (NaN, a value of no kind): unreadable
  }
  // The payload's fields, then the base fields. A copy only when toPlain made none: a decoded
  // message's prototype carries its message type, and Object.assign into a fresh object is
  // ~15x faster than a spread of it, on the path of every event.
  const named = (plain === body ? Object.assign({}, body) : plain) as Record<string, unknown>;
  if (payload.oneofKind === 'custom') named.custom ??= {};
  named.type = name;
  named.callCid = event.callCid;
  named.seq = event.seq;
  named.createdAt = toDate(event.createdAt);
  return named as unknown as CoordinatorEvent;
}

/** The message type of each payload case, from the schema. */
const PAYLOAD_TYPES: ReadonlyMap<string, IMessageType<object>> = new Map(
  Event.fields.filter((f) => f.oneof === 'payload' && f.kind === 'message').map((f) => [f.localName, (f as { T: () => IMessageType<object> }).T()]),
);

/** A protobuf `Timestamp` as a `Date` (the epoch when absent), to the millisecond. */
export function toDate(ts: Event['createdAt']): Date {
  return ts ? new Date(ts.seconds * 1000 + Math.floor(ts.nanos / 1e6)) : new Date(0);
}
