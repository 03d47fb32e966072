/**
 * The local coordinator's Twirp v7 wire format, through raw `fetch` as a third-party Twirp
 * client would use it: routes, content types, error bodies `{code,msg,meta}` and statuses.
 */
import * as assert from 'uvu/assert';
import { GetOrCreateCallRequest, GetOrCreateCallResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { startCoordinator } from '../helpers/rpc';
import { fileSuite, uniqueId } from '../helpers/common';

interface Ctx {
  c: LocalCoordinator;
  token: string;
}

const test = fileSuite<Ctx>(import.meta.url, {} as Ctx);
test.before(async (ctx) => {
  ctx.c = await startCoordinator();
  ctx.token = await ctx.c.createToken('alice');
});
test.after(async (ctx) => {
  await ctx.c.close();
});

const SERVICE = 'stream.video.coordinator.v1.CoordinatorService';

interface Sent {
  method?: string;
  contentType?: string | null;
  token?: string | null;
  apiKey?: string | null;
  body?: string | Uint8Array;
  path?: string;
}

async function send(ctx: Ctx, rpc: string, json: unknown, sent: Sent = {}): Promise<Response> {
  const headers: Record<string, string> = {};
  const contentType = sent.contentType === undefined ? 'application/json' : sent.contentType;
  if (contentType !== null) headers['content-type'] = contentType;
  const token = sent.token === undefined ? ctx.token : sent.token;
  if (token !== null) headers['authorization'] = `Bearer ${token}`;
  const apiKey = sent.apiKey === undefined ? ctx.c.apiKey : sent.apiKey;
  if (apiKey !== null) headers['stream-api-key'] = apiKey;
  const method = sent.method ?? 'POST';
  const body = method === 'GET' ? undefined : (sent.body ?? JSON.stringify(json));
  return fetch(`${ctx.c.baseUrl}${sent.path ?? `/twirp/${SERVICE}/${rpc}`}`, { method, headers, body: body as BodyInit | undefined });
}

/** Asserts a Twirp error answer and returns its meta. */
async function expectError(res: Response, status: number, code: string): Promise<Record<string, string>> {
  assert.is(res.headers.get('content-type'), 'application/json', 'errors are always JSON');
  const body = (await res.json()) as { code: string; msg: string; meta: Record<string, string> };
  assert.is(res.status, status, `${code}: ${JSON.stringify(body)}`);
  assert.equal(Object.keys(body).sort(), ['code', 'meta', 'msg']);
  assert.is(body.code, code);
  assert.type(body.msg, 'string');
  assert.ok(body.msg.length > 0, 'msg is set');
  assert.type(body.meta, 'object');
  return body.meta;
}

const create = (id: string, members: object[] = []) => ({ type: 'default', id, data: { members } });

test('routing: unknown method, unknown service, GET and wrong content types are 404 bad_route', async (ctx) => {
  const path = `/twirp/${SERVICE}/NoSuchMethod`;
  const meta = await expectError(await send(ctx, 'NoSuchMethod', {}), 404, 'bad_route');
  assert.is(meta.twirp_invalid_route, `POST ${path}`);
  await expectError(await send(ctx, '', {}, { path: '/twirp/other.Service/QueryCalls' }), 404, 'bad_route');
  await expectError(await send(ctx, 'queryCalls', {}), 404, 'bad_route');
  const get = await expectError(await send(ctx, 'QueryCalls', {}, { method: 'GET' }), 404, 'bad_route');
  assert.is(get.twirp_invalid_route, `GET /twirp/${SERVICE}/QueryCalls`);
  await expectError(await send(ctx, 'QueryCalls', {}, { method: 'PUT' }), 404, 'bad_route');
  await expectError(await send(ctx, 'QueryCalls', {}, { contentType: 'text/plain' }), 404, 'bad_route');
  await expectError(await send(ctx, 'QueryCalls', {}, { contentType: null }), 404, 'bad_route');
  await expectError(await send(ctx, 'QueryCalls', {}, { contentType: 'application/grpc' }), 404, 'bad_route');
  // outside the prefix it is not Twirp at all
  const other = await fetch(`${ctx.c.baseUrl}/elsewhere`, { method: 'POST' });
  assert.is(other.status, 404);
});

test('bodies that do not decode are 400 malformed', async (ctx) => {
  await expectError(await send(ctx, 'GetOrCreateCall', null, { body: '{"type": "default", ' }), 400, 'malformed');
  await expectError(await send(ctx, 'GetOrCreateCall', null, { body: '{"type": 42}' }), 400, 'malformed');
  await expectError(await send(ctx, 'GetOrCreateCall', null, { body: '[1, 2]' }), 400, 'malformed');
  // field 1 (string) announces 16 bytes, then the body ends
  const truncated = new Uint8Array([0x0a, 0x10, 0x41]);
  await expectError(await send(ctx, 'GetOrCreateCall', null, { body: truncated, contentType: 'application/protobuf' }), 400, 'malformed');
  const garbage = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
  await expectError(await send(ctx, 'GetOrCreateCall', null, { body: garbage, contentType: 'application/protobuf' }), 400, 'malformed');
});

test('a body over 1 MiB is 400 malformed, answered on an open connection', async (ctx) => {
  const big = JSON.stringify({ type: 'default', id: uniqueId('big'), data: { custom: { blob: 'a'.repeat(2 * 1024 * 1024) } } });
  await expectError(await send(ctx, 'GetOrCreateCall', null, { body: big }), 400, 'malformed');
  assert.is((await send(ctx, 'QueryCalls', {})).status, 200, 'the server still answers');
});

test('authentication: token and API key are required and checked, 401 with meta.reason', async (ctx) => {
  const call = () => create(uniqueId('auth'));
  assert.is((await expectError(await send(ctx, 'GetOrCreateCall', call(), { token: null }), 401, 'unauthenticated')).reason, 'missing_token');
  const bad = 'eyJhbGciOiJIUzI1NiJ9.eyJ1c2VyX2lkIjoiYWxpY2UifQ.c2lnbmF0dXJl';
  const badRes = await send(ctx, 'GetOrCreateCall', call(), { token: bad });
  const badText = await badRes.clone().text();
  assert.is((await expectError(badRes, 401, 'unauthenticated')).reason, 'invalid_token');
  assert.not.ok(badText.includes(bad), 'the token is not echoed');
  const expired = await ctx.c.createToken('alice', { expiresInSeconds: -10 });
  assert.is((await expectError(await send(ctx, 'GetOrCreateCall', call(), { token: expired }), 401, 'unauthenticated')).reason, 'token_expired');
  assert.is((await expectError(await send(ctx, 'GetOrCreateCall', call(), { apiKey: 'wrong-key' }), 401, 'unauthenticated')).reason, 'invalid_api_key');
  assert.is((await expectError(await send(ctx, 'GetOrCreateCall', call(), { apiKey: null }), 401, 'unauthenticated')).reason, 'invalid_api_key');
  // "Basic" is not a bearer token
  const basic = await fetch(`${ctx.c.twirpUrl}/${SERVICE}/QueryCalls`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Basic YWxpY2U6cHc=', 'stream-api-key': ctx.c.apiKey },
    body: '{}',
  });
  assert.is((await expectError(basic, 401, 'unauthenticated')).reason, 'missing_token');
});

test('handler errors map to their statuses: 400, 403, 404, 409, 412', async (ctx) => {
  const noId = await expectError(await send(ctx, 'GetOrCreateCall', { type: 'default' }), 400, 'invalid_argument');
  assert.is(noId.argument, 'id');
  const badType = await expectError(await send(ctx, 'JoinCall', { type: 'webinar', id: 'x', session_id: 's' }), 400, 'invalid_argument');
  assert.is(badType.argument, 'type');
  const id = uniqueId('wire');
  await send(ctx, 'GetOrCreateCall', create(id, [{ user_id: 'bob' }]));
  const missing = await expectError(await send(ctx, 'JoinCall', { type: 'default', id }), 400, 'invalid_argument');
  assert.is(missing.argument, 'session_id');
  const bob = await ctx.c.createToken('bob');
  const denied = await expectError(await send(ctx, 'EndCall', { type: 'default', id }, { token: bob }), 403, 'permission_denied');
  assert.is(denied.capability, 'end-call');
  await expectError(await send(ctx, 'EndCall', { type: 'default', id: uniqueId('nope') }), 404, 'not_found');
  assert.is((await send(ctx, 'JoinCall', { type: 'default', id, session_id: 's1' })).status, 200);
  await expectError(await send(ctx, 'JoinCall', { type: 'default', id, session_id: 's1' }, { token: bob }), 409, 'already_exists');
  assert.is((await send(ctx, 'StartRecording', { type: 'default', id })).status, 200);
  await expectError(await send(ctx, 'StartRecording', { type: 'default', id }), 412, 'failed_precondition');
  assert.is((await send(ctx, 'EndCall', { type: 'default', id })).status, 200);
  await expectError(await send(ctx, 'JoinCall', { type: 'default', id, session_id: 's2' }), 412, 'failed_precondition');
});

test('injected faults: failNext answers the planned errors, then the real answer', async (ctx) => {
  const id = uniqueId('fault');
  await send(ctx, 'GetOrCreateCall', create(id));
  ctx.c.rpcFaults.failNext('JoinCall', 2, 'unavailable');
  const join = () => send(ctx, 'JoinCall', { type: 'default', id, session_id: 'alice-1' });
  for (let i = 0; i < 2; i++) {
    const meta = await expectError(await join(), 503, 'unavailable');
    assert.is(meta.injected, 'true');
  }
  const ok = await join();
  assert.is(ok.status, 200);
  assert.is(((await ok.json()) as { joined: boolean }).joined, true, 'the failed attempts did not join');
  assert.is(ctx.c.rpcFaults.injected.get('JoinCall'), 2);
  // other methods were never affected; '*' affects any
  ctx.c.rpcFaults.failNext('*', 1, 'internal');
  await expectError(await send(ctx, 'QueryCalls', {}), 500, 'internal');
  assert.is((await send(ctx, 'QueryCalls', {})).status, 200);
});

test('injected latency delays answers until removed', async (ctx) => {
  const timed = async () => {
    const start = performance.now();
    const res = await send(ctx, 'QueryCalls', {});
    assert.is(res.status, 200);
    await res.arrayBuffer();
    return performance.now() - start;
  };
  const delayed = () => ctx.c.rpcFaults.delayed.get('QueryCalls') ?? { calls: 0, ms: 0 };
  ctx.c.rpcFaults.setLatency('QueryCalls', 150);
  assert.ok((await timed()) >= 140, 'delayed');
  assert.equal(delayed(), { calls: 1, ms: 150 });
  ctx.c.rpcFaults.setLatency('QueryCalls', 0);
  ctx.c.rpcFaults.setLatency('*', 80);
  assert.ok((await timed()) >= 70, "delayed by '*'");
  assert.equal(delayed(), { calls: 2, ms: 230 }, "by '*' only");
  ctx.c.rpcFaults.clear();
  await timed();
  assert.equal(delayed(), { calls: 2, ms: 230 }, 'no delay after clear');
});

test('JSON answers use proto field names and emit defaults; requests take either name', async (ctx) => {
  const id = uniqueId('json');
  const res = await send(ctx, 'GetOrCreateCall', {
    type: 'default',
    id,
    data: { members: [{ user_id: 'bob' }, { userId: 'carol', role: 'moderator' }] },
    unknown_field: 1,
  });
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/json');
  const body = (await res.json()) as {
    created: boolean;
    call: { call: Record<string, unknown>; own_capabilities: unknown; participants: unknown; members: { user_id: string; role: string }[] };
  };
  assert.is(body.created, true);
  const call = body.call.call;
  assert.is(call.created_by_user_id, 'alice');
  assert.is(call.member_count, 3);
  assert.is(call.recording, false, 'defaults are emitted');
  assert.is(call.ringing, false);
  assert.is(call.createdByUserId, undefined, 'no JSON (camelCase) names');
  assert.type(call.created_at, 'string');
  assert.ok(Array.isArray(body.call.own_capabilities));
  assert.equal(body.call.participants, []);
  assert.equal(
    body.call.members.map((m) => [m.user_id, m.role]),
    [
      ['alice', 'admin'],
      ['bob', 'member'],
      ['carol', 'moderator'],
    ],
  );
  const charset = await send(ctx, 'QueryCalls', {}, { contentType: 'application/json; charset=utf-8' });
  assert.is(charset.status, 200);
  const empty = await send(ctx, 'QueryCalls', null, { body: '' });
  assert.is(empty.status, 200, 'an empty JSON body is the empty message');
});

test('protobuf requests get protobuf answers', async (ctx) => {
  const id = uniqueId('binary');
  const body = GetOrCreateCallRequest.toBinary(GetOrCreateCallRequest.create({ type: 'default', id, data: { members: [{ userId: 'bob', role: '' }] } }));
  const res = await send(ctx, 'GetOrCreateCall', null, { body, contentType: 'application/protobuf' });
  assert.is(res.status, 200);
  assert.is(res.headers.get('content-type'), 'application/protobuf');
  const decoded = GetOrCreateCallResponse.fromBinary(new Uint8Array(await res.arrayBuffer()));
  assert.is(decoded.created, true);
  assert.is(decoded.call!.call!.cid, `default:${id}`);
  assert.is(decoded.call!.call!.memberCount, 2);
  // errors stay JSON even for protobuf requests
  const err = await send(ctx, 'GetOrCreateCall', null, {
    body: GetOrCreateCallRequest.toBinary(GetOrCreateCallRequest.create({ type: 'nope', id })),
    contentType: 'application/protobuf',
  });
  assert.is((await expectError(err, 400, 'invalid_argument')).argument, 'type');
});

test.run();
