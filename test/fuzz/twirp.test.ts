/**
 * Fuzzing the local coordinator's Twirp endpoint with raw HTTP requests: random bytes, random JSON
 * values, valid requests with mutated fields (binary edits for protobuf, replaced values for
 * JSON), huge strings, deep nesting, odd Struct values (NaN, values of no kind), odd cursors,
 * random methods, content types and credentials. Every answer must be a 200 whose body decodes
 * as the method's response, or a Twirp JSON error `{code,msg,meta}` with a code of the spec and
 * that code's status; never `internal` (a handler that threw unexpectedly). The server must
 * stay up and keep serving.
 */
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import type { MethodInfo } from '@protobuf-ts/runtime-rpc';
import { Struct, type Value } from '../../gen/google/protobuf/struct';
import { CoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { LocalCoordinator } from '../../src/testing';
import {
  authHeaders,
  checkTwirpAnswer,
  describeError,
  fuzz,
  loud,
  METHODS,
  mutate,
  mutationArb,
  runs,
  twirpPost,
  watchProcess,
  type Mutation,
  type RawAnswer,
} from '../helpers/fuzz';
import { startCoordinator } from '../helpers/rpc';
import { fileSuite } from '../helpers/common';

interface Ctx {
  c: LocalCoordinator;
  tokens: Record<string, string>;
  /** Errors the coordinator reported as unexpected (answered `internal`). */
  internal: string[];
  codes: Map<string, number>;
}

const test = fileSuite<Ctx>(import.meta.url, {} as Ctx);

const USERS = ['alice', 'bob', 'carol', 'dave'];
const IDS = ['tw-1', 'tw-2', 'tw-3', 'tw-4', 'tw-5'];

test.before(
  loud(async (ctx) => {
    ctx.internal = [];
    ctx.codes = new Map();
    ctx.c = await startCoordinator({ onError: (err, where) => ctx.internal.push(`${where}: ${describeError(err)}`) });
    ctx.tokens = {};
    for (const u of USERS) ctx.tokens[u] = await ctx.c.createToken(u);
    // Some state to reach deep into the handlers: calls with members, a session, a ring.
    for (const [i, id] of IDS.entries()) {
      const members = USERS.slice(1, 1 + (i % 4)).map((user_id, j) => ({ user_id, role: j === 0 ? 'moderator' : 'member' }));
      const res = await post(
        ctx,
        'GetOrCreateCall',
        'json',
        JSON.stringify({ type: 'default', id, data: { members }, ring: members.length > 0 && i % 2 === 0 }),
        'alice',
      );
      assert.is(res.status, 200, `setup ${id}`);
    }
    assert.is((await post(ctx, 'JoinCall', 'json', JSON.stringify({ type: 'default', id: 'tw-2', session_id: 'alice-1' }), 'alice')).status, 200);
    assert.is((await post(ctx, 'StartRecording', 'json', JSON.stringify({ type: 'default', id: 'tw-3' }), 'alice')).status, 200);
  }),
);

test.after(async (ctx) => {
  await ctx.c.close();
});

const CONTENT_TYPE = { json: 'application/json', protobuf: 'application/protobuf' } as const;
type Format = keyof typeof CONTENT_TYPE;

function post(ctx: Ctx, method: string, format: Format, body: Uint8Array | string, user: string, headers?: Record<string, string>): Promise<RawAnswer> {
  return twirpPost(ctx.c, method, body, headers ?? authHeaders(ctx.c, ctx.tokens[user], CONTENT_TYPE[format]));
}

// ---- requests in the protobuf JSON mapping, per method ------------------------------------------

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** A Twirp error answer's JSON body. */
interface TwirpErrorBody {
  code: string;
  msg: string;
  meta: Record<string, string>;
}

const typeArb = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('default', 'audio_room', 'livestream', 'development') },
  { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
);
const idArb = fc.oneof(
  { weight: 5, arbitrary: fc.constantFrom(...IDS) },
  { weight: 2, arbitrary: fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/) },
  { weight: 1, arbitrary: fc.string({ maxLength: 70 }) },
);
const userIdArb = fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...USERS) }, { weight: 1, arbitrary: fc.string({ maxLength: 130 }) });
const permissionArb = fc.constantFrom('send-audio', 'send-video', 'screenshare', 'end-call', 'read-call', '', 'x');
const jsonObjectArb = fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 4 }) as fc.Arbitrary<{ [k: string]: Json }>;

const FILTER_FIELDS = [
  'type',
  'id',
  'cid',
  'created_by_user_id',
  'members',
  'created_at',
  'updated_at',
  'ended_at',
  'recording',
  'ringing',
  'member_count',
  'user_id',
  'role',
  'nope',
];
const operandArb: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom(...USERS, 'default', 'default:tw-1', '2024-01-01T00:00:00Z', '2024-02-30T00:00:00Z', 'moderator'),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.constantFrom<Json>(...USERS, 1, true), { maxLength: 3 }),
);
const filterArb: fc.Arbitrary<{ [k: string]: Json }> = fc.letrec<{ filter: { [k: string]: Json } }>((tie) => ({
  filter: fc.oneof(
    { depthSize: 'small' },
    fc.dictionary(
      fc.constantFrom(...FILTER_FIELDS),
      fc.oneof(operandArb, fc.dictionary(fc.constantFrom('$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte', '$regex'), operandArb, { maxKeys: 2 })),
      { maxKeys: 3 },
    ) as fc.Arbitrary<{ [k: string]: Json }>,
    fc.record({ $and: fc.array(tie('filter'), { maxLength: 2 }) }),
    fc.record({ $or: fc.array(tie('filter'), { maxLength: 2 }) }),
    jsonObjectArb,
  ),
})).filter;

/** FNV-1a of a sort spec, as the coordinator signs its cursors: lets random cursors pass the signature check. */
function signature(spec: [string, string][]): string {
  const text = JSON.stringify(spec);
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
const cursorArb = (spec: [string, string][]): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constant('') },
    { weight: 1, arbitrary: fc.string({ maxLength: 40 }) },
    {
      weight: 2,
      arbitrary: fc
        .record(
          {
            d: fc.constantFrom('next', 'prev', 'x'),
            k: fc.array(fc.oneof(fc.double(), fc.constantFrom('NaN', 'Infinity', '-Infinity', 'x'), fc.constant(null)), { maxLength: 2 }),
            s: fc.oneof(fc.constantFrom('default:tw-1', 'default:tw-3', 'bob', ''), fc.string({ maxLength: 10 })),
            h: fc.oneof({ weight: 4, arbitrary: fc.constant(signature(spec)) }, { weight: 1, arbitrary: fc.string({ maxLength: 8 }) }),
            i: fc.constantFrom(1, 2, undefined),
          },
          { requiredKeys: ['d', 'k', 's', 'h'] },
        )
        .map((payload) => Buffer.from(JSON.stringify(payload)).toString('base64url')),
    },
  );

const memberArb = fc.record(
  {
    user_id: userIdArb,
    role: fc.constantFrom('', 'member', 'moderator', 'admin', 'user', 'boss'),
    user: fc.record({ id: fc.string({ maxLength: 5 }), name: fc.string({ maxLength: 10 }), custom: jsonObjectArb }, { requiredKeys: [] }),
  },
  { requiredKeys: ['user_id'] },
);

const call = { type: typeArb, id: idArb };
const REQUESTS: Record<string, fc.Arbitrary<{ [k: string]: unknown }>> = {
  GetOrCreateCall: fc.record(
    {
      ...call,
      data: fc.record(
        {
          members: fc.array(memberArb, { maxLength: 4 }),
          settings_override: fc.record(
            {
              recording: fc.record({ enabled: fc.boolean() }),
              ring: fc.record({ incoming_call_timeout_ms: fc.nat(), outgoing_call_timeout_ms: fc.nat() }, { requiredKeys: [] }),
              requestable_permissions: fc.array(permissionArb, { maxLength: 3 }),
            },
            { requiredKeys: [] },
          ),
          custom: jsonObjectArb,
        },
        { requiredKeys: [] },
      ),
      ring: fc.boolean(),
    },
    { requiredKeys: ['type', 'id'] },
  ),
  JoinCall: fc.record(
    {
      ...call,
      session_id: fc.oneof(fc.constantFrom('alice-1', 's-1', ''), fc.string({ maxLength: 140 })),
      data: fc.record({ members: fc.array(memberArb, { maxLength: 3 }), custom: jsonObjectArb }, { requiredKeys: [] }),
      ring: fc.boolean(),
      accept: fc.boolean(),
      latency_measurements: fc.dictionary(
        fc.constantFrom('edge-a', 'edge-b', 'edge-z', ''),
        fc.record({
          measurements_seconds: fc.array(fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom('NaN', 'Infinity', '-Infinity')), {
            maxLength: 3,
          }),
        }),
        { maxKeys: 3 },
      ),
    },
    { requiredKeys: ['type', 'id', 'session_id'] },
  ),
  LeaveCall: fc.record({ ...call, session_id: fc.oneof(fc.constantFrom('alice-1', 's-1', ''), fc.string({ maxLength: 20 })) }),
  EndCall: fc.record(call),
  QueryCalls: fc.record(
    {
      filter_conditions: filterArb,
      sort: fc.array(fc.record({ field: fc.constantFrom('created_at', 'updated_at', 'member_count', 'id', ''), direction: fc.constantFrom(0, 1, 2, 3) }), {
        maxLength: 3,
      }),
      limit: fc.oneof(fc.constant(0), fc.nat(150)),
      next: cursorArb([['created_at', 'desc']]),
      prev: cursorArb([['created_at', 'desc']]),
    },
    { requiredKeys: [] },
  ),
  SendCallEvent: fc.record({ ...call, event_type: fc.integer({ min: 0, max: 6 }), custom: jsonObjectArb }, { requiredKeys: ['type', 'id', 'event_type'] }),
  StartRecording: fc.record(call),
  StopRecording: fc.record(call),
  QueryRecordings: fc.record(call),
  DeleteRecording: fc.record({
    ...call,
    filename: fc.oneof(fc.constantFrom('rec_default_tw-1_1.webm', '', '../x.webm', 'a/b'), fc.string({ maxLength: 300 })),
  }),
  RequestPermission: fc.record({ ...call, permissions: fc.array(permissionArb, { maxLength: 3 }) }),
  UpdateUserPermissions: fc.record({
    ...call,
    user_id: userIdArb,
    grant_permissions: fc.array(permissionArb, { maxLength: 3 }),
    revoke_permissions: fc.array(permissionArb, { maxLength: 3 }),
  }),
  UpdateCallMembers: fc.record({ ...call, update_members: fc.array(memberArb, { maxLength: 3 }), remove_user_ids: fc.array(userIdArb, { maxLength: 3 }) }),
  QueryMembers: fc.record(
    { ...call, filter_conditions: filterArb, limit: fc.oneof(fc.constant(0), fc.nat(150)), next: cursorArb([['created_at', 'asc']]) },
    { requiredKeys: ['type', 'id'] },
  ),
  SendSignals: fc.record({
    ...call,
    session_id: fc.oneof(fc.constantFrom('alice-1', 's-1', ''), fc.string({ maxLength: 20 })),
    targets: fc.array(
      fc.record({
        to_session_id: fc.oneof(fc.constantFrom('alice-1', 's-1', ''), fc.string({ maxLength: 20 })),
        signals: fc.array(
          fc.oneof(
            fc.record({
              seq: fc.nat(5),
              description: fc.record(
                {
                  type: fc.integer({ min: 0, max: 5 }),
                  sdp: fc.string({ maxLength: 30 }),
                  track_types: fc.dictionary(fc.string({ maxLength: 3 }), fc.integer({ min: 0, max: 4 }), { maxKeys: 2 }),
                },
                { requiredKeys: [] },
              ),
            }),
            fc.record({
              seq: fc.nat(5),
              candidate: fc.record(
                { candidate: fc.string({ maxLength: 40 }), sdp_mid: fc.string({ maxLength: 3 }), sdp_m_line_index: fc.integer({ min: -2, max: 3 }) },
                { requiredKeys: [] },
              ),
            }),
            fc.record({ seq: fc.nat(5), ice_restart: fc.constant({}) }),
            fc.record({ seq: fc.nat(5) }),
          ),
          { maxLength: 3 },
        ),
      }),
      { maxLength: 3 },
    ),
  }),
  UpdatePublishedTracks: fc.record({
    ...call,
    session_id: fc.oneof(fc.constantFrom('alice-1', 's-1', ''), fc.string({ maxLength: 20 })),
    published_tracks: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
  }),
  SendReaction: fc.record(
    {
      ...call,
      session_id: fc.oneof(fc.constantFrom('alice-1', 's-1', ''), fc.string({ maxLength: 20 })),
      reaction_type: fc.oneof(fc.constantFrom('like', ''), fc.string({ maxLength: 70 })),
      emoji_code: fc.string({ maxLength: 70 }),
      custom: jsonObjectArb,
    },
    { requiredKeys: ['type', 'id'] },
  ),
  MuteUsers: fc.record(
    {
      ...call,
      user_ids: fc.array(userIdArb, { maxLength: 3 }),
      mute_all_users: fc.boolean(),
      track_types: fc.array(fc.integer({ min: 0, max: 4 }), { maxLength: 4 }),
    },
    { requiredKeys: ['type', 'id'] },
  ),
  KickUser: fc.record({ ...call, user_id: userIdArb }),
  BlockUser: fc.record({ ...call, user_id: userIdArb }),
  UnblockUser: fc.record({ ...call, user_id: userIdArb }),
};
assert.equal(Object.keys(REQUESTS).sort(), METHODS.map((m) => m.name).sort(), 'a request arbitrary for every method');

// ---- edits of a JSON request --------------------------------------------------------------------

type JsonEdit =
  | { op: 'replace'; at: number; value: Json }
  | { op: 'huge-string'; at: number; length: number }
  | { op: 'deep'; at: number; depth: number; array: boolean }
  | { op: 'big-number'; at: number; value: number | string };

const jsonEditArb: fc.Arbitrary<JsonEdit> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ op: fc.constant('replace' as const), at: fc.nat(), value: fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json> }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('huge-string' as const), at: fc.nat(), length: fc.constantFrom(70, 200, 5_000, 300_000, 900_000) }) },
  {
    weight: 1,
    arbitrary: fc.record({ op: fc.constant('deep' as const), at: fc.nat(), depth: fc.constantFrom(9, 50, 1_000, 20_000, 200_000), array: fc.boolean() }),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      op: fc.constant('big-number' as const),
      at: fc.nat(),
      value: fc.constantFrom<number | string>(-1, 2 ** 32, 2 ** 53, 1e300, 0.5, '12', '-3', '1e3', 'NaN'),
    }),
  },
);

const DEEP_MARK = '"__deep__"';

/** Applies edits; `deep` leaves a marker that {@link jsonText} swaps for deep nesting (never built as objects). */
function editJson(request: { [k: string]: unknown }, edits: readonly JsonEdit[]): { value: Json; deep?: { depth: number; array: boolean } } {
  const root = JSON.parse(JSON.stringify(request)) as { [k: string]: Json };
  let deep: { depth: number; array: boolean } | undefined;
  for (const edit of edits) {
    // Every slot of the tree: object properties and array elements, plus a new top-level key.
    const slots: [container: { [k: string]: Json } | Json[], key: string | number][] = [];
    const walk = (node: Json, depth: number) => {
      if (depth > 12) return;
      if (Array.isArray(node)) node.forEach((v, i) => (slots.push([node, i]), walk(v, depth + 1)));
      else if (node && typeof node === 'object')
        for (const k of Object.keys(node)) {
          slots.push([node, k]);
          walk(node[k], depth + 1);
        }
    };
    walk(root, 0);
    slots.push([root, 'unknown_field']);
    const [container, key] = slots[edit.at % slots.length];
    const set = (v: Json) => ((container as Record<string | number, Json>)[key] = v);
    if (edit.op === 'replace') set(edit.value === undefined ? null : (JSON.parse(JSON.stringify(edit.value)) as Json));
    else if (edit.op === 'huge-string') set('x'.repeat(edit.length));
    else if (edit.op === 'big-number') set(edit.value);
    else {
      set('__deep__');
      deep = { depth: edit.depth, array: edit.array };
    }
  }
  return { value: root, deep };
}

function jsonText(edited: { value: Json; deep?: { depth: number; array: boolean } }): string {
  const text = JSON.stringify(edited.value);
  if (!edited.deep || !text.includes(DEEP_MARK)) return text;
  const { depth, array } = edited.deep;
  const nested = array ? `${'['.repeat(depth)}1${']'.repeat(depth)}` : `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
  return text.replace(DEEP_MARK, nested);
}

/** Struct values the JSON mapping cannot carry: only a protobuf body can hold them. */
const oddValueArb = fc.constantFrom<Value>(
  { kind: { oneofKind: 'numberValue', numberValue: Number.NaN } },
  { kind: { oneofKind: 'numberValue', numberValue: Number.NEGATIVE_INFINITY } },
  { kind: { oneofKind: undefined } },
  { kind: { oneofKind: 'listValue', listValue: { values: [{ kind: { oneofKind: undefined } }] } } },
  { kind: { oneofKind: 'structValue', structValue: { fields: { deep: { kind: { oneofKind: 'numberValue', numberValue: Number.NaN } } } } } },
);

/** Puts an odd value into every Struct of a decoded request (filters, custom data, user profiles). */
function poisonStructs(message: Record<string, unknown>, value: Value): boolean {
  let changed = false;
  const visit = (node: unknown, depth: number) => {
    if (!node || typeof node !== 'object' || depth > 6) return;
    if (Array.isArray(node)) return node.forEach((n) => visit(n, depth + 1));
    for (const [k, v] of Object.entries(node as Record<string, unknown>)) {
      if ((k === 'custom' || k === 'filterConditions') && (v === undefined || (typeof v === 'object' && v !== null && 'fields' in v))) {
        (node as Record<string, unknown>)[k] = { fields: { ...((v as Struct | undefined)?.fields ?? {}), odd: value } };
        changed = true;
      } else visit(v, depth + 1);
    }
  };
  visit(message, 0);
  return changed;
}

// ---- inputs ------------------------------------------------------------------------------------

type Body =
  | { kind: 'random-bytes'; bytes: Uint8Array }
  | { kind: 'random-json'; value: Json }
  | { kind: 'text'; text: string }
  | { kind: 'request'; request: { [k: string]: unknown }; mutations: Mutation[]; edits: JsonEdit[] }
  | { kind: 'odd-struct'; request: { [k: string]: unknown }; value: Value };

interface Input {
  method: string;
  /** Content type of the request: a valid one mostly. */
  contentType: string;
  user: string;
  credentials: 'valid' | 'none' | 'garbage' | 'wrong-key';
  body: Body;
}

const methodNameArb = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...METHODS.map((m) => m.name)) },
  { weight: 1, arbitrary: fc.constantFrom('getOrCreateCall', 'Nope', '', '..%2F', 'GetOrCreateCall/x') },
);

const inputArb: fc.Arbitrary<Input> = methodNameArb.chain((method) =>
  fc.record({
    method: fc.constant(method),
    contentType: fc.oneof(
      { weight: 10, arbitrary: fc.constantFrom(CONTENT_TYPE.json, CONTENT_TYPE.protobuf) },
      { weight: 1, arbitrary: fc.constantFrom('application/json; charset=utf-8', 'APPLICATION/PROTOBUF', 'text/plain', 'application/x-protobuf', '') },
    ),
    user: fc.constantFrom(...USERS),
    credentials: fc.oneof(
      { weight: 12, arbitrary: fc.constant('valid' as const) },
      { weight: 1, arbitrary: fc.constantFrom('none' as const, 'garbage' as const, 'wrong-key' as const) },
    ),
    body: fc.oneof(
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('random-bytes' as const), bytes: fc.uint8Array({ maxLength: 200 }) }) },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('random-json' as const), value: fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json> }) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.string({ maxLength: 30 }) }) },
      {
        weight: 8,
        arbitrary: fc.record({
          kind: fc.constant('request' as const),
          request: REQUESTS[method] ?? REQUESTS['EndCall'],
          mutations: fc.oneof(
            { weight: 1, arbitrary: fc.constant([] as Mutation[]) },
            { weight: 1, arbitrary: fc.array(mutationArb, { minLength: 1, maxLength: 3 }) },
          ),
          edits: fc.oneof(
            { weight: 1, arbitrary: fc.constant([] as JsonEdit[]) },
            { weight: 1, arbitrary: fc.array(jsonEditArb, { minLength: 1, maxLength: 2 }) },
          ),
        }),
      },
      { weight: 2, arbitrary: fc.record({ kind: fc.constant('odd-struct' as const), request: REQUESTS[method] ?? REQUESTS['EndCall'], value: oddValueArb }) },
    ),
  }),
);

const BY_NAME = new Map(METHODS.map((m) => [m.name, m]));

/** The bytes to send for `input`, and what format a 200 must come back in. */
function bodyOf(input: Input): Uint8Array | string {
  const method = BY_NAME.get(input.method);
  const json = input.contentType.toLowerCase().startsWith('application/json');
  const b = input.body;
  switch (b.kind) {
    case 'random-bytes':
      return b.bytes;
    case 'random-json':
      return JSON.stringify(b.value);
    case 'text':
      return b.text;
    case 'request': {
      if (json) return jsonText(editJson(b.request, b.edits));
      if (!method) return JSON.stringify(b.request);
      try {
        return mutate(method.I.toBinary(method.I.fromJson(b.request as never, { ignoreUnknownFields: true })), b.mutations);
      } catch {
        return JSON.stringify(b.request); // not a valid message: sent as it is, a body that does not decode
      }
    }
    case 'odd-struct': {
      if (!method) return new Uint8Array(0);
      let message: object;
      try {
        message = method.I.fromJson(b.request as never, { ignoreUnknownFields: true }) as object;
      } catch {
        message = method.I.create() as object;
      }
      poisonStructs(message as Record<string, unknown>, b.value);
      return method.I.toBinary(message);
    }
  }
}

function formatOf(contentType: string): Format | undefined {
  const t = contentType.split(';')[0].trim().toLowerCase();
  return t === CONTENT_TYPE.json ? 'json' : t === CONTENT_TYPE.protobuf ? 'protobuf' : undefined;
}

function headersOf(ctx: Ctx, input: Input): Record<string, string> {
  const headers: Record<string, string> = { 'content-type': input.contentType };
  if (input.credentials === 'none') return headers;
  headers['stream-api-key'] = input.credentials === 'wrong-key' ? 'not-the-key' : ctx.c.apiKey;
  headers['authorization'] = `Bearer ${input.credentials === 'garbage' ? 'a.b.c' : ctx.tokens[input.user]}`;
  return headers;
}

function show(input: Input): string {
  const body = bodyOf(input);
  const text = typeof body === 'string' ? body : `<${body.length} bytes> ${Buffer.from(body.subarray(0, 120)).toString('hex')}`;
  return `${input.method} ${input.contentType} ${input.credentials} ${input.user} ${input.body.kind}: ${text.length > 400 ? `${text.slice(0, 400)}… (${text.length})` : text}`;
}

async function checkOne(ctx: Ctx, input: Input): Promise<string> {
  const body = bodyOf(input);
  const what = show(input);
  const answer = await twirpPost(ctx.c, input.method, body, headersOf(ctx, input));
  const code = checkTwirpAnswer(BY_NAME.get(input.method), formatOf(input.contentType), answer, what);
  ctx.codes.set(`${input.method || '(empty)'} ${code}`, (ctx.codes.get(`${input.method || '(empty)'} ${code}`) ?? 0) + 1);
  assert.ok(answer.status < 500, `${what}: a ${answer.status} "${code}" (the coordinator reported: ${ctx.internal.join(' | ') || 'nothing'})`);
  assert.equal(ctx.internal, [], `${what}: the coordinator reported unexpected errors`);
  return code;
}

test('random and mutated Twirp bodies, protobuf and JSON: a decodable 200 or a Twirp error with its status, never internal', async (ctx) => {
  const watch = watchProcess();
  try {
    await fuzz(
      'Twirp requests',
      inputArb,
      async (input) => {
        await checkOne(ctx, input);
        watch.assertClean(show(input));
      },
      { numRuns: runs(4000), show },
    );
  } finally {
    watch.stop();
    const byCode = new Map<string, number>();
    for (const [k, n] of ctx.codes) byCode.set(k.split(' ')[1], (byCode.get(k.split(' ')[1]) ?? 0) + n);
    console.log(`fuzz: Twirp requests: answers ${JSON.stringify(Object.fromEntries([...byCode].sort()))}`);
  }
});

test('after the fuzzing, every method still answers a plain request, JSON and protobuf, for every user', async (ctx) => {
  for (const user of USERS) {
    for (const format of ['json', 'protobuf'] as const) {
      const queried = await post(ctx, 'QueryCalls', format, format === 'json' ? '{"limit": 100}' : new Uint8Array([0x18, 100]), user);
      assert.is(checkTwirpAnswer(BY_NAME.get('QueryCalls'), format, queried, `${user} QueryCalls ${format}`), 'ok');
      for (const id of IDS) {
        const members = await post(ctx, 'QueryMembers', 'json', JSON.stringify({ type: 'default', id, limit: 100 }), user);
        const code = checkTwirpAnswer(BY_NAME.get('QueryMembers'), 'json', members, `${user} QueryMembers ${id}`);
        assert.ok(code === 'ok' || code === 'permission_denied' || code === 'not_found', `${user} QueryMembers ${id}: ${code}`);
      }
    }
  }
  const created = await post(ctx, 'GetOrCreateCall', 'json', JSON.stringify({ type: 'default', id: 'after-fuzz' }), 'alice');
  assert.is(checkTwirpAnswer(BY_NAME.get('GetOrCreateCall'), 'json', created, 'GetOrCreateCall after the fuzzing'), 'ok');
  assert.equal(ctx.internal, []);
});

// ---- the bugs the fuzzing found, one by one ------------------------------------------------------

const NAN: Value = { kind: { oneofKind: 'numberValue', numberValue: Number.NaN } };
const NO_KIND: Value = { kind: { oneofKind: undefined } };

function binary(method: string, message: object): Uint8Array {
  const info = CoordinatorService.methods.find((m) => m.name === method) as MethodInfo;
  return info.I.toBinary(info.I.create(message as never));
}

test('a filter holding a Value of no kind (or NaN) is invalid_argument filter_conditions, not internal', async (ctx) => {
  for (const value of [NO_KIND, NAN]) {
    for (const [method, extra] of [
      ['QueryCalls', {}],
      ['QueryMembers', { type: 'default', id: 'tw-1' }],
    ] as const) {
      const body = binary(method, { ...extra, filterConditions: { fields: { members: value } } });
      const answer = await post(ctx, method, 'protobuf', body, 'alice');
      assert.is(checkTwirpAnswer(BY_NAME.get(method), 'protobuf', answer, method), 'invalid_argument', `${method} ${value.kind.oneofKind ?? 'no kind'}`);
      assert.is((JSON.parse(Buffer.from(answer.body).toString()) as TwirpErrorBody).meta.argument, 'filter_conditions');
    }
  }
  assert.equal(ctx.internal, []);
});

test('custom data or a profile holding NaN or a Value of no kind is refused: it could not be shown in JSON, nor by the SDK', async (ctx) => {
  // a call of this test's own: the fuzzing above may have ended the others
  assert.is(
    (await post(ctx, 'GetOrCreateCall', 'json', JSON.stringify({ type: 'default', id: 'odd-base', data: { members: [{ user_id: 'bob' }] } }), 'alice')).status,
    200,
  );
  const cases: [string, object, string][] = [
    ['GetOrCreateCall', { type: 'default', id: 'odd-1', data: { custom: { fields: { x: NAN } } } }, 'data.custom'],
    [
      'GetOrCreateCall',
      { type: 'default', id: 'odd-2', data: { members: [{ userId: 'bob', user: { id: 'bob', name: 'B', custom: { fields: { x: NO_KIND } } } }] } },
      'data.members[0].user.custom',
    ],
    ['SendCallEvent', { type: 'default', id: 'odd-base', eventType: 4, custom: { fields: { x: NAN } } }, 'custom'],
    [
      'UpdateCallMembers',
      { type: 'default', id: 'odd-base', updateMembers: [{ userId: 'carol', user: { id: 'carol', custom: { fields: { x: NO_KIND } } } }] },
      'update_members[0].user.custom',
    ],
  ];
  for (const [method, message, argument] of cases) {
    const published = ctx.c.events.published;
    const answer = await post(ctx, method, 'protobuf', binary(method, message), 'alice');
    assert.is(checkTwirpAnswer(BY_NAME.get(method), 'protobuf', answer, method), 'invalid_argument', `${method} ${argument}`);
    assert.is((JSON.parse(Buffer.from(answer.body).toString()) as TwirpErrorBody).meta.argument, argument);
    assert.is(ctx.c.events.published, published, `${method}: nothing was published`);
  }
  assert.not.ok(ctx.c.state.calls.has('default:odd-1') || ctx.c.state.calls.has('default:odd-2'), 'no call was created');
  // and every JSON answer can still be written
  const all = await post(ctx, 'QueryCalls', 'json', '{"limit": 100}', 'alice');
  assert.is(checkTwirpAnswer(BY_NAME.get('QueryCalls'), 'json', all, 'QueryCalls'), 'ok');
  assert.equal(ctx.internal, []);
});

test('a user both updated and removed by one UpdateCallMembers is invalid_argument, not internal', async (ctx) => {
  assert.is(
    (await post(ctx, 'GetOrCreateCall', 'json', JSON.stringify({ type: 'default', id: 'both-ways', data: { members: [{ user_id: 'bob' }] } }), 'alice')).status,
    200,
  );
  const published = ctx.c.events.published;
  for (const format of ['json', 'protobuf'] as const) {
    const request = { type: 'default', id: 'both-ways', update_members: [{ user_id: 'bob', role: 'moderator' }], remove_user_ids: ['bob'] };
    const method = BY_NAME.get('UpdateCallMembers')!;
    const body = format === 'json' ? JSON.stringify(request) : method.I.toBinary(method.I.fromJson(request));
    const answer = await post(ctx, 'UpdateCallMembers', format, body, 'alice');
    assert.is(checkTwirpAnswer(method, format, answer, `UpdateCallMembers ${format}`), 'invalid_argument');
    assert.is((JSON.parse(Buffer.from(answer.body).toString()) as TwirpErrorBody).meta.argument, 'remove_user_ids[0]');
  }
  assert.is(ctx.c.events.published, published, 'nothing was published');
  assert.is(ctx.c.state.calls.get('default:both-ways')!.members.get('bob')!.role, 'member', 'nothing changed');
  assert.equal(ctx.internal, []);
});

test('random paths and verbs outside Twirp (latency probes, 404s): never a 5xx', async (ctx) => {
  const segment = fc.oneof(
    fc.constantFrom('latency', 'twirp', 'edge-a', '%', '%E0%A4%A', '%2F', '..', ''),
    fc.webSegment(),
    fc.string({ maxLength: 6 }).map(encodeURIComponent),
  );
  const pathArb = fc.array(segment, { minLength: 1, maxLength: 4 }).map((parts) => `/${parts.join('/')}`);
  await fuzz(
    'HTTP paths',
    fc.record({ path: pathArb, method: fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'OPTIONS') }),
    async ({ path, method }) => {
      const res = await fetch(`${ctx.c.baseUrl}${path}`, {
        method,
        headers: authHeaders(ctx.c, ctx.tokens['alice'], 'application/json'),
        body: method === 'GET' || method === 'OPTIONS' ? undefined : '{}',
      });
      await res.arrayBuffer();
      assert.ok(res.status < 500, `${method} ${path}: ${res.status} (${ctx.internal.join(' | ')})`);
      assert.equal(ctx.internal, [], `${method} ${path}`);
    },
    { numRuns: runs(400) },
  );
});

test('a large request: creating a call with 2,000 members and ringing them answers ok, and the ring carries every member', async (ctx) => {
  const members = Array.from({ length: 2000 }, (_, i) => ({ user_id: `big-${i}` }));
  const answer = await post(ctx, 'GetOrCreateCall', 'json', JSON.stringify({ type: 'default', id: 'big-call', data: { members }, ring: true }), 'alice');
  assert.is(checkTwirpAnswer(BY_NAME.get('GetOrCreateCall'), 'json', answer, 'GetOrCreateCall with 2,000 members'), 'ok');
  const ring = ctx.c.events.log('big-1999').since(0, Date.now());
  assert.ok(
    ring.kind === 'events' && ring.events.some((e) => e.payload.oneofKind === 'callRing' && e.payload.callRing.call!.members.length === 2001),
    'the ring carries every member',
  );
});

test.run();
