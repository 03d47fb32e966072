/**
 * Authorisation: each RPC that reads or acts on a call, called by each role of a call (its
 * creator, an admin; a moderator; a member; a user who is not a member), is allowed or refused
 * with the exact code. The expectation is derived from the capability table of the call type
 * (`CALL_TYPES` in src/testing/state/call-types.ts) plus the service's own rules: only the
 * creator cancels a ring; only members the call rang answer it, and the creator cannot answer
 * their own call; only someone who may read the call and is in it (member or participant) asks
 * for a permission (a requestable one) or sends a custom event. Reading is `read-call`: who
 * lacks it gets `permission_denied` from GetOrCreateCall and QueryMembers and does not find the
 * call with QueryCalls ("hidden"). So a `default` call is for its members alone, while
 * `audio_room`, `livestream` and `development` calls are open to anyone. A refused call
 * publishes nothing and changes nothing. The matrix is printed.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CALL_TYPES, GRANTABLE_PERMISSIONS, type CallTypeDefinition, type LocalCoordinator } from '../../src/testing';
import { NON_MEMBER_ROLE } from '../../src/testing/state/call-types';
import { TWIRP_STATUS } from '../../src/testing/twirp/twirp-error';
import { authHeaders, checkTwirpAnswer, loud, METHODS, twirpPost } from '../helpers/fuzz';
import { startCoordinator } from '../helpers/rpc';

const ROLES = ['creator', 'moderator', 'member', 'non-member'] as const;
type Role = (typeof ROLES)[number];
/** Who plays each role, and the call role each has in the call. */
const USER: Record<Role, string> = { creator: 'alice', moderator: 'mod', member: 'mem', 'non-member': 'out' };
const CALL_ROLE: Record<Role, string> = { creator: 'admin', moderator: 'moderator', member: 'member', 'non-member': NON_MEMBER_ROLE };

type Outcome = 'ok' | 'permission_denied' | 'failed_precondition' | 'hidden';

interface Rpc {
  /** The row's label. */
  label: string;
  method: string;
  body: (type: string, id: string, def: CallTypeDefinition, role: Role) => object;
  /** What the creator does first (e.g. start recording before StopRecording). */
  prepare?: (c: Ctx, type: string, id: string) => Promise<void>;
  /** The expected outcome for `role`, from the call type's table and the service's rules. */
  expect: (role: Role, def: CallTypeDefinition) => Outcome;
  /** What an allowed call does: change the call (and publish events), only publish, or neither. */
  effect: 'changes' | 'publishes' | 'none';
  /** For a 200 that may still withhold the call (QueryCalls): `ok` when the answer shows the call `cid`, else `hidden`. */
  shows?: (body: unknown, cid: string) => boolean;
}

const capabilitiesOf = (role: Role, def: CallTypeDefinition): readonly string[] => def.roles[CALL_ROLE[role]] ?? [];
const byCapability =
  (capability: string) =>
  (role: Role, def: CallTypeDefinition): Outcome =>
    capabilitiesOf(role, def).includes(capability) ? 'ok' : 'permission_denied';
/** Someone in the call (every role but the non-member, who has no session here) who may read it. */
const inCall = (role: Role, def: CallTypeDefinition): Outcome =>
  role !== 'non-member' && capabilitiesOf(role, def).includes('read-call') ? 'ok' : 'permission_denied';
/** The permission a RequestPermission asks for: one the call type lets users request, when it has any. */
const requested = (def: CallTypeDefinition) => def.settings.requestablePermissions[0] ?? 'screenshare';
const grantable = [...GRANTABLE_PERMISSIONS][0];
/** The user moderation acts on: a member of the call with a session in it (prepared by {@link joinTarget}). */
const TARGET = 'tgt';
/** The session each role reacts from (prepared by {@link joinEveryone}). */
const sessionOf = (role: Role, id: string) => `r-${USER[role]}-${id}`;

const RPCS: Rpc[] = [
  { label: 'StartRecording', method: 'StartRecording', body: (type, id) => ({ type, id }), expect: byCapability('start-record-call'), effect: 'changes' },
  {
    label: 'StopRecording',
    method: 'StopRecording',
    body: (type, id) => ({ type, id }),
    prepare: async (c, type, id) => expectOk(await call(c, 'creator', 'StartRecording', { type, id }), 'StartRecording before StopRecording'),
    expect: byCapability('stop-record-call'),
    effect: 'changes',
  },
  {
    label: 'UpdateUserPermissions',
    method: 'UpdateUserPermissions',
    body: (type, id) => ({ type, id, user_id: USER.member, grant_permissions: [grantable] }),
    expect: byCapability('update-call-permissions'),
    effect: 'changes',
  },
  {
    label: 'UpdateCallMembers',
    method: 'UpdateCallMembers',
    body: (type, id) => ({ type, id, update_members: [{ user_id: 'newbie' }] }),
    expect: byCapability('update-call-member'),
    effect: 'changes',
  },
  { label: 'EndCall', method: 'EndCall', body: (type, id) => ({ type, id }), expect: byCapability('end-call'), effect: 'changes' },
  {
    label: 'SendCallEvent CANCELLED',
    method: 'SendCallEvent',
    body: (type, id) => ({ type, id, event_type: 'CALL_EVENT_TYPE_CANCELLED' }),
    // Only the creator cancels the ring (whatever the capabilities).
    expect: (role) => (role === 'creator' ? 'ok' : 'permission_denied'),
    effect: 'changes',
  },
  ...(['ACCEPTED', 'REJECTED'] as const).map((answer): Rpc => ({
    label: `SendCallEvent ${answer}`,
    method: 'SendCallEvent',
    body: (type, id) => ({ type, id, event_type: `CALL_EVENT_TYPE_${answer}` }),
    // Only members answer a ring; the creator rings and cannot answer.
    expect: (role) => (role === 'non-member' ? 'permission_denied' : role === 'creator' ? 'failed_precondition' : 'ok'),
    effect: 'changes',
  })),
  {
    label: 'RequestPermission',
    method: 'RequestPermission',
    body: (type, id, def) => ({ type, id, permissions: [requested(def)] }),
    // Anyone in the call asks, for what the call type lets users request.
    expect: (role, def) => (inCall(role, def) === 'ok' && def.settings.requestablePermissions.includes(requested(def)) ? 'ok' : 'permission_denied'),
    effect: 'publishes',
  },
  {
    label: 'SendCallEvent CUSTOM',
    method: 'SendCallEvent',
    body: (type, id) => ({ type, id, event_type: 'CALL_EVENT_TYPE_CUSTOM', custom: { hello: 'world' } }),
    expect: inCall,
    effect: 'publishes',
  },
  { label: 'JoinCall', method: 'JoinCall', body: (type, id) => ({ type, id, session_id: `s-${id}` }), expect: byCapability('join-call'), effect: 'changes' },
  { label: 'GetOrCreateCall (read)', method: 'GetOrCreateCall', body: (type, id) => ({ type, id }), expect: byCapability('read-call'), effect: 'none' },
  { label: 'QueryMembers', method: 'QueryMembers', body: (type, id) => ({ type, id }), expect: byCapability('read-call'), effect: 'none' },
  {
    label: 'MuteUsers',
    method: 'MuteUsers',
    body: (type, id) => ({ type, id, user_ids: [USER.member], track_types: ['TRACK_TYPE_AUDIO'] }),
    expect: byCapability('mute-users'),
    effect: 'publishes',
  },
  {
    label: 'KickUser',
    method: 'KickUser',
    body: (type, id) => ({ type, id, user_id: TARGET }),
    prepare: joinTarget,
    expect: byCapability('kick-user'),
    effect: 'changes',
  },
  {
    label: 'BlockUser',
    method: 'BlockUser',
    body: (type, id) => ({ type, id, user_id: TARGET }),
    prepare: joinTarget,
    expect: byCapability('block-users'),
    effect: 'changes',
  },
  {
    label: 'UnblockUser',
    method: 'UnblockUser',
    body: (type, id) => ({ type, id, user_id: TARGET }),
    prepare: async (c, type, id) => expectOk(await call(c, 'creator', 'BlockUser', { type, id, user_id: TARGET }), 'BlockUser before UnblockUser'),
    expect: byCapability('block-users'),
    effect: 'changes',
  },
  {
    label: 'SendReaction',
    method: 'SendReaction',
    body: (type, id, _def, role) => ({ type, id, session_id: sessionOf(role, id), reaction_type: 'like' }),
    prepare: joinEveryone,
    // From one's own session (the non-member has none), with create-reaction.
    expect: (role, def) => (role !== 'non-member' && capabilitiesOf(role, def).includes('create-reaction') ? 'ok' : 'permission_denied'),
    effect: 'changes',
  },
  {
    label: 'QueryCalls (finds it)',
    method: 'QueryCalls',
    body: (type, id) => ({ filter_conditions: { cid: `${type}:${id}` } }),
    expect: (role, def) => (capabilitiesOf(role, def).includes('read-call') ? 'ok' : 'hidden'),
    effect: 'none',
    shows: (body, cid) => ((body as { calls?: { call?: { cid?: string } }[] }).calls ?? []).some((c) => c.call?.cid === cid),
  },
];

interface Ctx {
  c: LocalCoordinator;
  tokens: Record<string, string>;
}

const test = suite<Ctx>('security: authorisation matrix', {} as Ctx);

test.before(
  loud(async (ctx) => {
    ctx.c = await startCoordinator();
    ctx.tokens = {};
    for (const user of [...Object.values(USER), TARGET]) ctx.tokens[user] = await ctx.c.createToken(user);
  }),
);

test.after(async (ctx) => {
  await ctx.c.close();
});

const BY_NAME = new Map(METHODS.map((m) => [m.name, m]));

function call(ctx: Ctx, role: Role, method: string, body: object) {
  return twirpPost(ctx.c, method, JSON.stringify(body), authHeaders(ctx.c, ctx.tokens[USER[role]], 'application/json'));
}

function callAs(ctx: Ctx, userId: string, method: string, body: object) {
  return twirpPost(ctx.c, method, JSON.stringify(body), authHeaders(ctx.c, ctx.tokens[userId], 'application/json'));
}

/** The creator adds {@link TARGET} as a member, who joins. */
async function joinTarget(ctx: Ctx, type: string, id: string): Promise<void> {
  expectOk(await call(ctx, 'creator', 'UpdateCallMembers', { type, id, update_members: [{ user_id: TARGET }] }), 'add the target');
  expectOk(await callAs(ctx, TARGET, 'JoinCall', { type, id, session_id: `t-${id}` }), 'the target joins');
}

/** Every role that may join the call joins it, with the session {@link sessionOf} names. */
async function joinEveryone(ctx: Ctx, type: string, id: string): Promise<void> {
  for (const role of ROLES) {
    if (role === 'non-member') continue;
    expectOk(await call(ctx, role, 'JoinCall', { type, id, session_id: sessionOf(role, id) }), `the ${role} joins`);
  }
}

function expectOk(answer: Awaited<ReturnType<typeof twirpPost>>, what: string): void {
  assert.is(answer.status, 200, `${what}: ${Buffer.from(answer.body).toString()}`);
}

/** What a refused call must leave as it was. */
function snapshot(ctx: Ctx, cid: string): string {
  const call = ctx.c.state.calls.get(cid)!;
  return JSON.stringify({
    state: call.toState(USER.member, ctx.c.state.users),
    ended: call.ended,
    recording: call.recording,
    ringing: call.ringing,
    cancelled: call.cancelled,
    answers: [...call.answers],
    granted: [...call.granted].map(([u, s]) => [u, [...s]]),
    revoked: [...call.revoked].map(([u, s]) => [u, [...s]]),
    participants: [...call.participants.keys()],
  });
}

let seq = 0;

/** Runs every RPC as every role on fresh calls of `def`; returns the matrix as printed cells. */
async function runMatrix(ctx: Ctx, def: CallTypeDefinition): Promise<string[][]> {
  const rows: string[][] = [];
  for (const rpc of RPCS) {
    const row = [rpc.label];
    for (const role of ROLES) {
      // A fresh call per cell: the creator and two members, ringing.
      const id = `authz-${++seq}`;
      const cid = `${def.name}:${id}`;
      const members = [
        { user_id: USER.moderator, role: 'moderator' },
        { user_id: USER.member, role: 'member' },
      ];
      expectOk(await call(ctx, 'creator', 'GetOrCreateCall', { type: def.name, id, data: { members }, ring: true }), `create ${cid}`);
      await rpc.prepare?.(ctx, def.name, id);
      const expected = rpc.expect(role, def);
      const before = snapshot(ctx, cid);
      const published = ctx.c.events.published;
      const answer = await call(ctx, role, rpc.method, rpc.body(def.name, id, def, role));
      const what = `${def.name}: ${rpc.label} by the ${role} (${USER[role]}, call role "${CALL_ROLE[role]}")`;
      let got = checkTwirpAnswer(BY_NAME.get(rpc.method), 'json', answer, what);
      if (got === 'ok' && rpc.shows && !rpc.shows(JSON.parse(Buffer.from(answer.body).toString()), cid)) got = 'hidden';
      const detail = got === 'ok' || got === 'hidden' ? '' : ` (${(JSON.parse(Buffer.from(answer.body).toString()) as { msg: string }).msg})`;
      assert.is(got, expected, `${what}: expected ${expected}, got ${got}${detail}`);
      if (expected === 'ok') {
        if (rpc.effect !== 'none') assert.ok(ctx.c.events.published > published, `${what}: allowed, so it published events`);
        if (rpc.effect === 'changes') assert.is.not(snapshot(ctx, cid), before, `${what}: allowed, so it changed the call`);
      } else {
        assert.is(ctx.c.events.published, published, `${what}: refused, yet it published events`);
        assert.is(snapshot(ctx, cid), before, `${what}: refused, yet it changed the call`);
      }
      row.push(got === 'ok' ? '200 ok' : got === 'hidden' ? '200 hidden' : `${TWIRP_STATUS[got as keyof typeof TWIRP_STATUS]} ${got}`);
    }
    rows.push(row);
  }
  return rows;
}

function print(def: CallTypeDefinition, rows: string[][]): void {
  const header = ['RPC', ...ROLES.map((r) => `${r} (${CALL_ROLE[r]})`)];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  console.log(`\nauthorisation matrix, call type "${def.name}" (derived from CALL_TYPES and the service rules; all asserted):`);
  console.log(line(header));
  console.log(widths.map((w) => '-'.repeat(w)).join('  '));
  for (const row of rows) console.log(line(row));
}

test('the default call type: every privileged RPC x every role', async (ctx) => {
  const def = CALL_TYPES.get('default')!;
  const rows = await runMatrix(ctx, def);
  print(def, rows);
  // The table is not vacuous: in `default`, every RPC is refused to someone (at least the
  // non-member: a default call is for its members) and allowed to someone.
  for (const row of rows)
    assert.ok(
      row.slice(1).some((c) => c !== '200 ok'),
      `${row[0]}: refused to someone`,
    );
  assert.ok(
    rows.every((row) => row.slice(1).some((c) => c === '200 ok')),
    'every RPC is allowed to someone',
  );
  const outsider = 1 + ROLES.indexOf('non-member');
  assert.ok(
    rows.every((row) => row[outsider] !== '200 ok'),
    'a non-member may neither read nor do anything in a default call',
  );
});

test('open call types: a non-member reads, finds and joins the call', async (ctx) => {
  for (const name of ['audio_room', 'livestream', 'development']) {
    const def = CALL_TYPES.get(name)!;
    for (const label of ['GetOrCreateCall (read)', 'QueryMembers', 'QueryCalls (finds it)', 'JoinCall']) {
      assert.is(RPCS.find((r) => r.label === label)!.expect('non-member', def), 'ok', `${name}: ${label} by a non-member`);
    }
  }
  // the expectations above are what the matrix asserts against the server; one spot check here
  const id = `authz-${++seq}`;
  expectOk(await call(ctx, 'creator', 'GetOrCreateCall', { type: 'livestream', id }), 'create');
  expectOk(await call(ctx, 'non-member', 'JoinCall', { type: 'livestream', id, session_id: 'out-1' }), 'a stranger joins a livestream');
});

test('every other call type, derived the same way', async (ctx) => {
  for (const def of CALL_TYPES.values()) {
    if (def.name === 'default') continue;
    print(def, await runMatrix(ctx, def));
  }
});

test('a member granted a capability-less permission still cannot record; a revoked one loses it', async (ctx) => {
  // Grants reach only the grantable permissions: they never open a privileged RPC.
  const id = `authz-${++seq}`;
  expectOk(await call(ctx, 'creator', 'GetOrCreateCall', { type: 'default', id, data: { members: [{ user_id: USER.member }] } }), 'create');
  const grant = await call(ctx, 'creator', 'UpdateUserPermissions', { type: 'default', id, user_id: USER.member, grant_permissions: ['start-record-call'] });
  assert.is(checkTwirpAnswer(BY_NAME.get('UpdateUserPermissions'), 'json', grant, 'grant start-record-call'), 'invalid_argument');
  assert.is(
    checkTwirpAnswer(BY_NAME.get('StartRecording'), 'json', await call(ctx, 'member', 'StartRecording', { type: 'default', id }), 'member records'),
    'permission_denied',
  );
  // A moderator's capability can be narrowed, but only for grantable permissions.
  expectOk(await call(ctx, 'creator', 'UpdateUserPermissions', { type: 'default', id, user_id: USER.member, revoke_permissions: ['send-audio'] }), 'revoke');
  assert.not.ok(ctx.c.state.calls.get(`default:${id}`)!.capabilitiesOf(USER.member).includes('send-audio'));
});

test.run();
