/**
 * toCoordinatorEvent: every payload case gets its name and keeps its fields.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { CallRejected, Event } from '../../gen/stream/video/coordinator/v1/events';
import type { IMessageType } from '@protobuf-ts/runtime';
import { toPlain } from '../../src/plain/plain-data';
import { SdpType, TrackType, User, type Call, type CallState, type Member, type Participant } from '../../gen/stream/video/coordinator/v1/models';
import { EVENT_NAMES, toCoordinatorEvent, type CoordinatorEvent, type EventCase } from '../../src/events/event-map';

const test = suite('toCoordinatorEvent');

const CID = 'default:c1';
const user = (id: string): User => User.create({ id, name: id.toUpperCase(), imageUrl: `https://img/${id}`, role: 'user' });
const call: Call = {
  type: 'default',
  id: 'c1',
  cid: CID,
  createdByUserId: 'alice',
  createdAt: { seconds: 1700000000, nanos: 0 },
  updatedAt: { seconds: 1700000001, nanos: 0 },
  recording: false,
  ringing: true,
  memberCount: 2,
  capabilitiesByRole: [{ role: 'admin', capabilities: ['end-call'] }],
  blockedUserIds: ['mallory'],
};
const member = (userId: string): Member => ({ userId, callCid: CID, role: 'member', user: user(userId) });
const state: CallState = { call, members: [member('alice'), member('bob')], ownCapabilities: ['join-call'], participants: [] };
const participant: Participant = {
  user: user('carol'),
  sessionId: 's-1',
  role: 'member',
  joinedAt: { seconds: 1700000002, nanos: 0 },
  publishedTracks: [TrackType.AUDIO, TrackType.VIDEO],
};

type Payloads = { [K in EventCase]: Extract<Event['payload'], { oneofKind: K }> };

/** One payload of each case: a new case in the schema fails to compile here until added. */
/** The message type of each payload case, from the schema. */
const PAYLOAD_TYPES = Object.fromEntries(
  Event.fields.filter((f) => f.oneof === 'payload' && f.kind === 'message').map((f) => [f.localName, (f as { T: () => IMessageType<object> }).T()]),
) as Record<EventCase, IMessageType<object>>;

const PAYLOADS: Payloads = {
  callCreated: { oneofKind: 'callCreated', callCreated: { call: state } },
  callRing: { oneofKind: 'callRing', callRing: { call: state, user: user('alice') } },
  callAccepted: { oneofKind: 'callAccepted', callAccepted: { user: user('bob') } },
  callRejected: { oneofKind: 'callRejected', callRejected: CallRejected.create({ user: user('bob'), reason: 'busy' }) },
  callCancelled: { oneofKind: 'callCancelled', callCancelled: { user: user('alice') } },
  callEnded: { oneofKind: 'callEnded', callEnded: { user: user('alice') } },
  callUpdated: { oneofKind: 'callUpdated', callUpdated: { call } },
  callMembersUpdated: { oneofKind: 'callMembersUpdated', callMembersUpdated: { call, members: [member('dave')], removedUserIds: ['erin'] } },
  participantJoined: { oneofKind: 'participantJoined', participantJoined: { participant } },
  participantLeft: { oneofKind: 'participantLeft', participantLeft: { participant } },
  dominantSpeakerChanged: { oneofKind: 'dominantSpeakerChanged', dominantSpeakerChanged: { userId: 'carol', sessionId: 's-1' } },
  permissionRequest: { oneofKind: 'permissionRequest', permissionRequest: { user: user('bob'), permissions: ['screenshare', 'send-video'] } },
  permissionsUpdated: { oneofKind: 'permissionsUpdated', permissionsUpdated: { userId: 'bob', ownCapabilities: ['send-audio'] } },
  recordingStarted: { oneofKind: 'recordingStarted', recordingStarted: { user: user('alice') } },
  recordingStopped: { oneofKind: 'recordingStopped', recordingStopped: { user: user('alice') } },
  participantUpdated: { oneofKind: 'participantUpdated', participantUpdated: { participant } },
  callSignal: {
    oneofKind: 'callSignal',
    callSignal: {
      fromUserId: 'bob',
      fromSessionId: 's-2',
      toSessionId: 's-1',
      signals: [
        { seq: 1, generation: 0, kind: { oneofKind: 'description', description: { type: SdpType.OFFER, sdp: 'v=0', trackTypes: { '0': TrackType.VIDEO } } } },
        { seq: 2, generation: 0, kind: { oneofKind: 'candidate', candidate: { candidate: '', sdpMid: '0', sdpMLineIndex: 0, usernameFragment: '' } } },
      ],
    },
  },
  callReactionNew: {
    oneofKind: 'callReactionNew',
    callReactionNew: {
      reaction: {
        user: user('carol'),
        sessionId: 's-1',
        type: 'like',
        emojiCode: ':+1:',
        custom: Struct.fromJson({ x: 1 }),
        createdAt: { seconds: 1700000003, nanos: 0 },
      },
    },
  },
  callUserMuted: {
    oneofKind: 'callUserMuted',
    callUserMuted: { user: user('alice'), mutedUserIds: ['bob', 'carol'], trackTypes: [TrackType.AUDIO, TrackType.VIDEO] },
  },
  callKickedUser: { oneofKind: 'callKickedUser', callKickedUser: { user: user('bob'), kickedByUser: user('alice') } },
  callBlockedUser: { oneofKind: 'callBlockedUser', callBlockedUser: { user: user('bob'), blockedByUser: user('alice'), blockedUserIds: ['bob', 'mallory'] } },
  callUnblockedUser: { oneofKind: 'callUnblockedUser', callUnblockedUser: { user: user('bob'), unblockedByUser: user('alice'), blockedUserIds: ['mallory'] } },
  custom: {
    oneofKind: 'custom',
    custom: { user: user('bob'), custom: Struct.fromJson({ kind: 'reaction', emoji: ':+1:', n: 3, ok: true, nothing: null, list: [1, 'two', { three: 3 }] }) },
  },
};

const CREATED_AT = { seconds: 1700000000, nanos: 123_456_789 };

function eventOf(payload: Event['payload'], seq = 7): Event {
  return { seq, createdAt: CREATED_AT, callCid: CID, payload };
}

test('every case of EVENT_NAMES has a fixture, and the names are distinct', () => {
  assert.equal(Object.keys(PAYLOADS).sort(), Object.keys(EVENT_NAMES).sort());
  const names = Object.values(EVENT_NAMES);
  assert.is(new Set(names).size, names.length);
});

for (const kind of Object.keys(EVENT_NAMES) as EventCase[]) {
  test(`${kind} → "${EVENT_NAMES[kind]}" with the base fields and every payload field`, () => {
    const payload = PAYLOADS[kind];
    const e = toCoordinatorEvent(eventOf(payload)) as (CoordinatorEvent & Record<string, unknown>) | undefined;
    assert.ok(e, 'converted');
    assert.is(e.type, EVENT_NAMES[kind]);
    assert.is(e.callCid, CID);
    assert.is(e.seq, 7);
    assert.instance(e.createdAt, Date);
    assert.is(e.createdAt.getTime(), 1_700_000_000_123);
    const wire = Reflect.get(payload, kind) as object;
    if (kind === 'custom') return; // its Struct becomes JSON: see below
    // Every field of the payload, in its plain form (custom data as JSON, times as Dates).
    const body = toPlain(PAYLOAD_TYPES[kind], wire) as Record<string, unknown>;
    assert.equal(Object.keys(e).sort(), [...Object.keys(body), 'type', 'callCid', 'seq', 'createdAt'].sort());
    for (const [field, value] of Object.entries(body)) assert.equal(e[field], value, `${kind}.${field}`);
  });
}

test('field by field, for a few cases', () => {
  const ring = toCoordinatorEvent(eventOf(PAYLOADS.callRing));
  assert.ok(ring?.type === 'call.ring');
  if (ring?.type === 'call.ring') {
    assert.is(ring.user!.id, 'alice');
    assert.is(ring.call!.call!.cid, CID);
    assert.equal(
      ring.call!.members.map((m) => m.userId),
      ['alice', 'bob'],
    );
  }
  const members = toCoordinatorEvent(eventOf(PAYLOADS.callMembersUpdated));
  if (members?.type !== 'call.members_updated') throw new Error('not call.members_updated');
  assert.equal(members.removedUserIds, ['erin']);
  assert.is(members.members[0].userId, 'dave');
  const speaker = toCoordinatorEvent(eventOf(PAYLOADS.dominantSpeakerChanged));
  if (speaker?.type !== 'call.dominant_speaker_changed') throw new Error('not call.dominant_speaker_changed');
  assert.is(speaker.userId, 'carol');
  assert.is(speaker.sessionId, 's-1');
  const perms = toCoordinatorEvent(eventOf(PAYLOADS.permissionRequest));
  if (perms?.type !== 'call.permission_request') throw new Error('not call.permission_request');
  assert.equal(perms.permissions, ['screenshare', 'send-video']);
  const joined = toCoordinatorEvent(eventOf(PAYLOADS.participantJoined));
  if (joined?.type !== 'call.participant_joined') throw new Error('not call.participant_joined');
  assert.is(joined.participant!.sessionId, 's-1');
  const reaction = toCoordinatorEvent(eventOf(PAYLOADS.callReactionNew));
  if (reaction?.type !== 'call.reaction_new') throw new Error('not call.reaction_new');
  assert.equal(reaction.reaction!.custom, { x: 1 });
  assert.is(reaction.reaction!.createdAt!.getTime(), 1_700_000_003_000);
  const blocked = toCoordinatorEvent(eventOf(PAYLOADS.callBlockedUser));
  if (blocked?.type !== 'call.blocked_user') throw new Error('not call.blocked_user');
  assert.equal([blocked.user!.id, blocked.blockedByUser!.id, blocked.blockedUserIds], ['bob', 'alice', ['bob', 'mallory']]);
});

test('custom: the Struct becomes plain JSON; the user is kept', () => {
  const e = toCoordinatorEvent(eventOf(PAYLOADS.custom));
  if (e?.type !== 'custom') throw new Error(`not custom: ${e?.type}`);
  assert.equal(e.custom, { kind: 'reaction', emoji: ':+1:', n: 3, ok: true, nothing: null, list: [1, 'two', { three: 3 }] });
  assert.is(e.user!.id, 'bob');
  assert.equal(Object.keys(e).sort(), ['callCid', 'createdAt', 'custom', 'seq', 'type', 'user']);
});

test('custom without a Struct: an empty object', () => {
  const e = toCoordinatorEvent(eventOf({ oneofKind: 'custom', custom: { user: undefined, custom: undefined } }));
  if (e?.type !== 'custom') throw new Error('not custom');
  assert.equal(e.custom, {});
  assert.is(e.user, undefined);
});

test('unknown payloads: undefined', () => {
  assert.is(toCoordinatorEvent(eventOf({ oneofKind: undefined })), undefined);
  assert.is(toCoordinatorEvent(eventOf({ oneofKind: 'somethingNew', somethingNew: {} } as never)), undefined);
});

test('no createdAt: the epoch', () => {
  const e = toCoordinatorEvent({ seq: 1, callCid: CID, createdAt: undefined, payload: PAYLOADS.callEnded });
  assert.is(e!.createdAt.getTime(), 0);
});

test("the seq is the event's; the input event is not changed", () => {
  const event = eventOf(PAYLOADS.callAccepted, 42);
  const before = JSON.stringify(event);
  const e = toCoordinatorEvent(event)!;
  assert.is(e.seq, 42);
  assert.is(JSON.stringify(event), before);
});

test.run();
