/**
 * A refused request changes nothing (issue 25, item 4). For every RPC of the service
 * descriptor (a new RPC fails the first test until it has cases here), requests the local
 * coordinator must refuse: not allowed, no such call, an invalid field, a call in the wrong
 * state. Around each one the whole coordinator state is dumped (every call record, every user
 * profile, every user's numbered events): the dumps before and after must be equal, so a
 * refusal neither changes a call nor creates one nor publishes an event.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  CallEventType,
  CoordinatorService,
  GetOrCreateCallRequest,
  JoinCallRequest,
  RequestPermissionRequest,
  SendCallEventRequest,
  EndCallRequest,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { LocalCoordinator } from '../../src/testing';
import { authHeaders, checkTwirpAnswer, loud, METHODS, twirpPost } from '../helpers/fuzz';
import { rpcClient, startCoordinator } from '../helpers/rpc';

/** A request the coordinator must refuse, as `user`, with `code` (and `meta.reason`, when given). */
interface Refusal {
  why: string;
  user: string;
  body: object;
  code: string;
  reason?: string;
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\n';
const offer = (seq: number) => ({ seq, description: { type: 'SDP_TYPE_OFFER', sdp: SDP } });

/**
 * The world the refusals run in (see `before`): `default:main` (alice admin; bob a member,
 * mod a moderator; it rang bob and mod), `development:live` (alice's session `a-1` and bob's
 * `b-1`; carol asked for screenshare), `default:over` (ended); `out` is in no call.
 */
/** By the RPC's schema name; the first test checks that the names are the descriptor's. */
const CASES: Record<string, Refusal[]> = {
  GetOrCreateCall: [
    { why: 'a non-member reads a default call', user: 'out', body: { type: 'default', id: 'main' }, code: 'permission_denied', reason: 'missing_capability' },
    {
      why: 'a member rings a call they did not create',
      user: 'bob',
      body: { type: 'default', id: 'main', ring: true },
      code: 'permission_denied',
      reason: 'not_creator',
    },
    { why: 'an unknown call type', user: 'alice', body: { type: 'nope', id: 'x' }, code: 'invalid_argument' },
    { why: 'an invalid call id', user: 'alice', body: { type: 'default', id: 'a b' }, code: 'invalid_argument' },
    {
      why: 'a new call with a member of an unknown role',
      user: 'alice',
      body: {
        type: 'default',
        id: 'new-1',
        data: {
          members: [
            { user_id: 'zed', user: { id: 'zed', name: 'Zed' } },
            { user_id: 'yan', role: 'boss' },
          ],
        },
      },
      code: 'invalid_argument',
    },
    {
      why: 'a new call that rings, with no one to ring (and a profile for its creator)',
      user: 'alice',
      body: { type: 'default', id: 'new-2', ring: true, data: { members: [{ user_id: 'alice', user: { id: 'alice', name: 'Renamed' } }] } },
      code: 'failed_precondition',
    },
  ],
  JoinCall: [
    {
      why: 'accept a call that does not exist',
      user: 'bob',
      body: { type: 'default', id: 'nowhere', session_id: 'b-9', accept: true },
      code: 'failed_precondition',
      reason: 'not_rung',
    },
    {
      why: 'a non-member joins a default call',
      user: 'out',
      body: { type: 'default', id: 'main', session_id: 'o-1' },
      code: 'permission_denied',
      reason: 'missing_capability',
    },
    { why: 'join an ended call', user: 'alice', body: { type: 'default', id: 'over', session_id: 'a-2' }, code: 'failed_precondition' },
    {
      why: 'the creator accepts their own call',
      user: 'alice',
      body: { type: 'default', id: 'main', session_id: 'a-3', accept: true },
      code: 'failed_precondition',
    },
    {
      why: 'accept a call that did not ring the user',
      user: 'alice',
      body: { type: 'development', id: 'live', session_id: 'a-4', accept: true },
      code: 'failed_precondition',
    },
    { why: "another user's session id", user: 'bob', body: { type: 'development', id: 'live', session_id: 'a-1' }, code: 'already_exists' },
    { why: 'no session id', user: 'bob', body: { type: 'default', id: 'main' }, code: 'invalid_argument' },
    {
      why: 'a new call with an invalid member',
      user: 'bob',
      body: { type: 'default', id: 'new-3', session_id: 'b-3', data: { members: [{ user_id: 'a b' }] } },
      code: 'invalid_argument',
    },
  ],
  LeaveCall: [
    { why: 'no such call', user: 'alice', body: { type: 'default', id: 'nowhere', session_id: 'a-1' }, code: 'not_found' },
    {
      why: "another user's session",
      user: 'bob',
      body: { type: 'development', id: 'live', session_id: 'a-1' },
      code: 'permission_denied',
      reason: 'not_own_session',
    },
    { why: 'no session id', user: 'alice', body: { type: 'development', id: 'live' }, code: 'invalid_argument' },
  ],
  EndCall: [
    { why: 'a member without end-call', user: 'bob', body: { type: 'default', id: 'main' }, code: 'permission_denied', reason: 'missing_capability' },
    { why: 'no such call', user: 'alice', body: { type: 'default', id: 'nowhere' }, code: 'not_found' },
  ],
  QueryCalls: [
    { why: 'both cursors', user: 'alice', body: { next: 'a', prev: 'b' }, code: 'invalid_argument' },
    { why: 'an unknown filter field', user: 'alice', body: { filter_conditions: { colour: 'red' } }, code: 'invalid_argument' },
    { why: 'a sort without a field', user: 'alice', body: { sort: [{ direction: 'SORT_DIRECTION_ASCENDING' }] }, code: 'invalid_argument' },
  ],
  SendCallEvent: [
    {
      why: 'a non-member accepts',
      user: 'out',
      body: { type: 'default', id: 'main', event_type: 'CALL_EVENT_TYPE_ACCEPTED' },
      code: 'permission_denied',
      reason: 'not_member',
    },
    { why: 'the creator accepts', user: 'alice', body: { type: 'default', id: 'main', event_type: 'CALL_EVENT_TYPE_ACCEPTED' }, code: 'failed_precondition' },
    {
      why: 'a member cancels',
      user: 'bob',
      body: { type: 'default', id: 'main', event_type: 'CALL_EVENT_TYPE_CANCELLED' },
      code: 'permission_denied',
      reason: 'not_creator',
    },
    {
      why: 'a reject with a reason too long',
      user: 'bob',
      body: { type: 'default', id: 'main', event_type: 'CALL_EVENT_TYPE_REJECTED', reason: 'x'.repeat(65) },
      code: 'invalid_argument',
    },
    {
      why: 'a custom event without its payload',
      user: 'bob',
      body: { type: 'default', id: 'main', event_type: 'CALL_EVENT_TYPE_CUSTOM' },
      code: 'invalid_argument',
    },
    {
      why: 'a custom event in an ended call',
      user: 'alice',
      body: { type: 'default', id: 'over', event_type: 'CALL_EVENT_TYPE_CUSTOM', custom: { a: 1 } },
      code: 'failed_precondition',
    },
    { why: 'no event type', user: 'bob', body: { type: 'default', id: 'main' }, code: 'invalid_argument' },
  ],
  StartRecording: [
    { why: 'a member without start-record-call', user: 'bob', body: { type: 'default', id: 'main' }, code: 'permission_denied', reason: 'missing_capability' },
    { why: 'an ended call', user: 'alice', body: { type: 'default', id: 'over' }, code: 'failed_precondition' },
  ],
  StopRecording: [
    { why: 'not being recorded', user: 'alice', body: { type: 'default', id: 'main' }, code: 'failed_precondition' },
    { why: 'a member without stop-record-call', user: 'bob', body: { type: 'default', id: 'main' }, code: 'permission_denied', reason: 'missing_capability' },
  ],
  RequestPermission: [
    {
      why: 'a permission that cannot be requested',
      user: 'bob',
      body: { type: 'development', id: 'live', permissions: ['end-call'] },
      code: 'permission_denied',
      reason: 'not_requestable',
    },
    {
      why: 'someone not in the call',
      user: 'out',
      body: { type: 'default', id: 'main', permissions: ['screenshare'] },
      code: 'permission_denied',
      reason: 'missing_capability',
    },
    { why: 'no permissions', user: 'bob', body: { type: 'development', id: 'live', permissions: [] }, code: 'invalid_argument' },
    { why: 'an ended call', user: 'alice', body: { type: 'default', id: 'over', permissions: ['screenshare'] }, code: 'failed_precondition' },
  ],
  UpdateUserPermissions: [
    {
      why: 'a member without update-call-permissions',
      user: 'bob',
      body: { type: 'default', id: 'main', user_id: 'mod', grant_permissions: ['screenshare'] },
      code: 'permission_denied',
      reason: 'missing_capability',
    },
    {
      why: 'a permission that cannot be granted (carol asked: her request stays)',
      user: 'alice',
      body: { type: 'development', id: 'live', user_id: 'carol', grant_permissions: ['end-call'] },
      code: 'invalid_argument',
    },
    {
      why: 'a user not in the call',
      user: 'alice',
      body: { type: 'default', id: 'main', user_id: 'out', grant_permissions: ['screenshare'] },
      code: 'not_found',
    },
    { why: 'nothing to change', user: 'alice', body: { type: 'development', id: 'live', user_id: 'carol' }, code: 'invalid_argument' },
  ],
  UpdateCallMembers: [
    {
      why: 'a member without update-call-member',
      user: 'bob',
      body: { type: 'default', id: 'main', update_members: [{ user_id: 'newbie' }] },
      code: 'permission_denied',
      reason: 'missing_capability',
    },
    { why: 'remove the creator', user: 'alice', body: { type: 'default', id: 'main', remove_user_ids: ['alice'] }, code: 'failed_precondition' },
    {
      why: 'a valid member then one of an unknown role',
      user: 'alice',
      body: {
        type: 'default',
        id: 'main',
        update_members: [
          { user_id: 'newbie', user: { id: 'newbie', name: 'New' } },
          { user_id: 'yan', role: 'boss' },
        ],
      },
      code: 'invalid_argument',
    },
    {
      why: 'a user both updated and removed',
      user: 'alice',
      body: { type: 'default', id: 'main', update_members: [{ user_id: 'bob' }], remove_user_ids: ['bob'] },
      code: 'invalid_argument',
    },
  ],
  QueryRecordings: [
    { why: 'a non-member', user: 'out', body: { type: 'default', id: 'main' }, code: 'permission_denied' },
    { why: 'no such call', user: 'alice', body: { type: 'default', id: 'nowhere' }, code: 'not_found' },
  ],
  DeleteRecording: [
    { why: 'a member without stop-record-call', user: 'bob', body: { type: 'default', id: 'main', filename: 'x.webm' }, code: 'permission_denied' },
    { why: 'no such recording', user: 'alice', body: { type: 'default', id: 'main', filename: 'x.webm' }, code: 'not_found' },
    { why: 'a path, not a file name', user: 'alice', body: { type: 'default', id: 'main', filename: '../x.webm' }, code: 'invalid_argument' },
    { why: 'no file name', user: 'alice', body: { type: 'default', id: 'main' }, code: 'invalid_argument' },
  ],
  QueryMembers: [
    { why: 'a non-member of a default call', user: 'out', body: { type: 'default', id: 'main' }, code: 'permission_denied', reason: 'missing_capability' },
    { why: 'an unknown filter field', user: 'alice', body: { type: 'default', id: 'main', filter_conditions: { colour: 'red' } }, code: 'invalid_argument' },
  ],
  SendSignals: [
    {
      why: 'from a session that is not the caller’s',
      user: 'bob',
      body: { type: 'development', id: 'live', session_id: 'a-1', targets: [{ to_session_id: 'b-1', signals: [offer(1)] }] },
      code: 'permission_denied',
    },
    {
      why: 'a valid target, then an invalid signal',
      user: 'alice',
      body: {
        type: 'development',
        id: 'live',
        session_id: 'a-1',
        targets: [
          { to_session_id: 'b-1', signals: [offer(1)] },
          { to_session_id: 'c-1', signals: [{ seq: 0, ice_restart: {} }] },
        ],
      },
      code: 'invalid_argument',
    },
    { why: 'no targets', user: 'alice', body: { type: 'development', id: 'live', session_id: 'a-1', targets: [] }, code: 'invalid_argument' },
  ],
  UpdatePublishedTracks: [
    {
      why: 'a session that is not the caller’s',
      user: 'bob',
      body: { type: 'development', id: 'live', session_id: 'a-1', published_tracks: ['TRACK_TYPE_AUDIO'] },
      code: 'permission_denied',
    },
    {
      why: 'an audio track, then one that cannot be published',
      user: 'alice',
      body: { type: 'development', id: 'live', session_id: 'a-1', published_tracks: ['TRACK_TYPE_AUDIO', 'TRACK_TYPE_UNSPECIFIED'] },
      code: 'invalid_argument',
    },
    {
      why: 'a track without its capability (carol may not share her screen)',
      user: 'carol',
      body: { type: 'development', id: 'live', session_id: 'c-1', published_tracks: ['TRACK_TYPE_SCREEN_SHARE'] },
      code: 'permission_denied',
    },
  ],
  SendReaction: [
    {
      why: 'from a session that is not the caller’s',
      user: 'bob',
      body: { type: 'development', id: 'live', session_id: 'a-1', reaction_type: 'like' },
      code: 'permission_denied',
    },
    { why: 'no reaction type', user: 'alice', body: { type: 'development', id: 'live', session_id: 'a-1' }, code: 'invalid_argument' },
    { why: 'an ended call', user: 'alice', body: { type: 'default', id: 'over', session_id: 'a-9', reaction_type: 'like' }, code: 'failed_precondition' },
  ],
  MuteUsers: [
    {
      why: 'a member without mute-users',
      user: 'bob',
      body: { type: 'default', id: 'main', user_ids: ['mod'], track_types: ['TRACK_TYPE_AUDIO'] },
      code: 'permission_denied',
      reason: 'missing_capability',
    },
    { why: 'no track types', user: 'alice', body: { type: 'development', id: 'live', user_ids: ['bob'] }, code: 'invalid_argument' },
    {
      why: 'a user in the call, then one who is not',
      user: 'alice',
      body: { type: 'development', id: 'live', user_ids: ['bob', 'out'], track_types: ['TRACK_TYPE_AUDIO'] },
      code: 'not_found',
    },
  ],
  KickUser: [
    {
      why: 'a member without kick-user',
      user: 'bob',
      body: { type: 'default', id: 'main', user_id: 'mod' },
      code: 'permission_denied',
      reason: 'missing_capability',
    },
    { why: 'an invalid user id', user: 'alice', body: { type: 'development', id: 'live', user_id: 'a b' }, code: 'invalid_argument' },
  ],
  BlockUser: [
    {
      why: 'a member without block-users',
      user: 'bob',
      body: { type: 'default', id: 'main', user_id: 'mod' },
      code: 'permission_denied',
      reason: 'missing_capability',
    },
    { why: 'the creator', user: 'carol', body: { type: 'development', id: 'live', user_id: 'alice' }, code: 'failed_precondition' },
    { why: 'the caller', user: 'alice', body: { type: 'development', id: 'live', user_id: 'alice' }, code: 'invalid_argument' },
  ],
  UnblockUser: [
    {
      why: 'a member without block-users',
      user: 'bob',
      body: { type: 'default', id: 'main', user_id: 'mod' },
      code: 'permission_denied',
      reason: 'missing_capability',
    },
    { why: 'an invalid user id', user: 'alice', body: { type: 'development', id: 'live', user_id: '' }, code: 'invalid_argument' },
  ],
};

/**
 * `value` as plain JSON data, private fields, Maps and Sets included, functions left out:
 * two dumps are equal when nothing reachable from `value` changed.
 */
function dump(value: unknown, path: WeakSet<object> = new WeakSet()): unknown {
  if (typeof value === 'function') return undefined;
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (value === null || typeof value !== 'object') return value;
  if (path.has(value)) return '[cycle]';
  path.add(value);
  try {
    if (value instanceof Map) return [...value].map(([k, v]) => [dump(k, path), dump(v, path)]);
    if (value instanceof Set || Array.isArray(value)) return [...(value as Iterable<unknown>)].map((v) => dump(v, path));
    if (value instanceof Uint8Array) return [...value];
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, dump(v, path)]));
  } finally {
    path.delete(value);
  }
}

interface Ctx {
  c: LocalCoordinator;
  tokens: Map<string, string>;
}

const test = suite<Ctx>('security: a refused request changes nothing', {} as Ctx);

test.before(
  loud(async (ctx) => {
    ctx.c = await startCoordinator();
    ctx.tokens = new Map();
    for (const u of ['alice', 'bob', 'mod', 'carol', 'out']) ctx.tokens.set(u, await ctx.c.createToken(u));
    const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => rpcClient(ctx.c, u)));
    await alice.getOrCreateCall(
      GetOrCreateCallRequest.create({
        type: 'default',
        id: 'main',
        ring: true,
        data: {
          members: [
            { userId: 'bob', role: 'member' },
            { userId: 'mod', role: 'moderator' },
          ],
        },
      }),
    );
    const live = { type: 'development', id: 'live' };
    await alice.joinCall(JoinCallRequest.create({ ...live, sessionId: 'a-1', data: { members: [{ userId: 'carol', role: 'member' }] } }));
    await bob.joinCall(JoinCallRequest.create({ ...live, sessionId: 'b-1' }));
    await carol.joinCall(JoinCallRequest.create({ ...live, sessionId: 'c-1' }));
    await alice.updateUserPermissions({ ...live, userId: 'carol', grantPermissions: [], revokePermissions: ['screenshare'] });
    await carol.requestPermission(RequestPermissionRequest.create({ ...live, permissions: ['screenshare'] }));
    await alice.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id: 'over' }));
    await alice.endCall(EndCallRequest.create({ type: 'default', id: 'over' }));
    await bob.sendCallEvent(SendCallEventRequest.create({ type: 'default', id: 'main', eventType: CallEventType.CUSTOM, custom: { fields: {} } }));
  }),
);

test.after(async (ctx) => {
  await ctx.c.close();
});

test('every RPC of the service descriptor has refusals here', () => {
  assert.equal(Object.keys(CASES).sort(), CoordinatorService.methods.map((m) => m.name).sort());
  for (const [method, cases] of Object.entries(CASES)) assert.ok(cases.length > 0, method);
});

test('each refusal answers its code, and the coordinator state before and after it is the same', async ({ c, tokens }) => {
  const changed: string[] = [];
  const codes: string[] = [];
  for (const method of METHODS) {
    for (const refusal of CASES[method.name] ?? []) {
      const what = `${method.name}: ${refusal.why}`;
      const before = JSON.stringify(dump(c.state));
      const answer = await twirpPost(c, method.name, JSON.stringify(refusal.body), authHeaders(c, tokens.get(refusal.user)!, 'application/json'));
      const code = checkTwirpAnswer(method, 'json', answer, what);
      if (code !== refusal.code) codes.push(`${what}: ${code}, not ${refusal.code}`);
      const reason = (JSON.parse(Buffer.from(answer.body).toString()) as { meta?: Record<string, string> }).meta?.['reason'];
      if (refusal.reason && reason !== refusal.reason) codes.push(`${what}: meta.reason ${reason}, not ${refusal.reason}`);
      if (JSON.stringify(dump(c.state)) !== before) changed.push(what);
    }
  }
  assert.equal(changed, [], 'refused, yet the state changed');
  assert.equal(codes, [], 'answered with another code or meta.reason');
});

test('the dump sees a change: a request that is not refused changes it', async ({ c, tokens }) => {
  const before = JSON.stringify(dump(c.state));
  const body = { type: 'default', id: 'main', event_type: 'CALL_EVENT_TYPE_CUSTOM', custom: { n: 1 } };
  const answer = await twirpPost(c, 'SendCallEvent', JSON.stringify(body), authHeaders(c, tokens.get('bob')!, 'application/json'));
  assert.is(answer.status, 200);
  assert.is.not(JSON.stringify(dump(c.state)), before, 'a published event is in the dump');
});

test.run();
