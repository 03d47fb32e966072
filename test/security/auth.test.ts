/**
 * Authentication: the coordinator refuses every token that is not an HS256 token signed with
 * the app secret, unexpired, naming a user, sent with the right API key; on every RPC
 * (401 `unauthenticated`, `meta.reason`) and on the WebSocket auth frame (an error frame, then
 * close 4002, or 4003 for an expired token). Tokens are crafted by hand: `alg: none`, a bad
 * signature, HS384/HS512 with the right secret, RS256-looking tokens (alg confusion: an HMAC
 * made with the secret, or a real RSA signature), no `user_id`, a `user_id` of the wrong type,
 * a token for another user than the auth frame claims. A refused request changes nothing, and
 * no answer echoes the token.
 */
import * as assert from 'uvu/assert';
import { createHmac, createSign, generateKeyPairSync } from 'node:crypto';
import { WebSocket } from 'ws';
import { CoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { CALL_CONFIG, CLOSE_CODES, StreamVideoClient, StreamVideoError } from '../../src/index-node';
import { webSocketOf, type LocalCoordinator } from '../../src/testing';
import { RawClient } from '../helpers/channel';
import { checkTwirpAnswer, loud, twirpPost } from '../helpers/fuzz';
import { startCoordinator } from '../helpers/rpc';
import { User } from '../../gen/stream/video/coordinator/v1/models';
import { fileSuite } from '../helpers/common';

const SECRET = 'security-secret';

interface Ctx {
  c: LocalCoordinator;
  good: string;
  raws: RawClient[];
}

const test = fileSuite<Ctx>(import.meta.url, {} as Ctx);

test.before(
  loud(async (ctx) => {
    ctx.c = await startCoordinator({ secret: SECRET });
    ctx.good = await ctx.c.createToken('alice');
    ctx.raws = [];
  }),
);

test.after(async (ctx) => {
  await Promise.all(ctx.raws.map((r) => r.end().catch(() => {})));
  await ctx.c.close();
});

// ---- tokens by hand -----------------------------------------------------------------------------

const b64 = (value: object | string | Buffer) =>
  Buffer.from(typeof value === 'string' || Buffer.isBuffer(value) ? value : JSON.stringify(value)).toString('base64url');
const now = () => Math.floor(Date.now() / 1000);

/** A JWT signed with HMAC (`sha256`, `sha384`, `sha512`) over `header.payload`, whatever `alg` the header claims. */
function hmacToken(header: object, payload: object, secret: string, hash = 'sha256'): string {
  const input = `${b64(header)}.${b64(payload)}`;
  return `${input}.${createHmac(hash, secret).update(input).digest('base64url')}`;
}

// 1024 bits: the coordinator refuses these tokens by their algorithm, whatever the key's size,
// and a 2048-bit key took half a CPU-second to make.
const { privateKey: rsaKey, publicKey: rsaPublic } = generateKeyPairSync('rsa', { modulusLength: 1024 });

/** A real RS256 token, signed with a fresh RSA key. */
function rs256Token(payload: object): string {
  const input = `${b64({ alg: 'RS256', typ: 'JWT' })}.${b64(payload)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(rsaKey).toString('base64url')}`;
}

interface BadToken {
  name: string;
  token: string;
  /** `meta.reason` of the RPC refusal. */
  reason: 'invalid_token' | 'token_expired';
  /** The WebSocket close code. */
  close: number;
}

function badTokens(good: string): BadToken[] {
  const claims = { user_id: 'alice', iat: now() };
  const hs256 = { alg: 'HS256', typ: 'JWT' };
  const [header, payload, signature] = good.split('.') as [string, string, string];
  const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
  const invalid = (name: string, token: string): BadToken => ({ name, token, reason: 'invalid_token', close: CLOSE_CODES.UNAUTHENTICATED });
  return [
    invalid('a bad signature (another secret)', hmacToken(hs256, claims, 'not-the-secret')),
    invalid('a bad signature (one character changed)', `${header}.${payload}.${flipped}`),
    invalid('no signature', `${header}.${payload}.`),
    invalid('a payload swapped under a valid signature', `${header}.${b64({ user_id: 'admin', iat: now() })}.${signature}`),
    invalid('alg "none", empty signature', `${b64({ alg: 'none', typ: 'JWT' })}.${b64(claims)}.`),
    invalid('alg "none", no third part', `${b64({ alg: 'none' })}.${b64(claims)}`),
    invalid('alg "None" with a signature', `${b64({ alg: 'None', typ: 'JWT' })}.${b64(claims)}.${b64('sig')}`),
    invalid('alg "NONE"', `${b64({ alg: 'NONE' })}.${b64(claims)}.`),
    invalid('HS384 with the right secret', hmacToken({ alg: 'HS384', typ: 'JWT' }, claims, SECRET, 'sha384')),
    invalid('HS512 with the right secret', hmacToken({ alg: 'HS512', typ: 'JWT' }, claims, SECRET, 'sha512')),
    invalid('alg confusion: RS256 header, HMAC-SHA256 with the secret', hmacToken({ alg: 'RS256', typ: 'JWT' }, claims, SECRET)),
    invalid(
      'alg confusion: RS256 header, HMAC with the RSA public key as the secret',
      hmacToken({ alg: 'RS256', typ: 'JWT' }, claims, rsaPublic.export({ type: 'spki', format: 'pem' }).toString()),
    ),
    invalid('a real RS256 token', rs256Token(claims)),
    invalid('ES256 header, HMAC signature', hmacToken({ alg: 'ES256' }, claims, SECRET)),
    invalid('no user_id claim', hmacToken(hs256, { iat: now() }, SECRET)),
    invalid('an empty user_id', hmacToken(hs256, { user_id: '' }, SECRET)),
    invalid('a numeric user_id', hmacToken(hs256, { user_id: 42 }, SECRET)),
    invalid('user_id as an object', hmacToken(hs256, { user_id: { id: 'alice' } }, SECRET)),
    invalid('sub instead of user_id', hmacToken(hs256, { sub: 'alice' }, SECRET)),
    invalid('not before a future time (nbf)', hmacToken(hs256, { user_id: 'alice', nbf: now() + 3600 }, SECRET)),
    invalid('exp that is not a number', hmacToken(hs256, { user_id: 'alice', exp: 'tomorrow' }, SECRET)),
    invalid('a header that is not JSON', `${b64('not json')}.${payload}.${signature}`),
    invalid('garbage', 'garbage'),
    invalid('four parts', `${good}.${signature}`),
    {
      name: 'expired (HS256, right secret)',
      token: hmacToken(hs256, { user_id: 'alice', exp: now() - 60 }, SECRET),
      reason: 'token_expired',
      close: CLOSE_CODES.TOKEN_EXPIRED,
    },
  ];
}

const METHODS = CoordinatorService.methods;
/** Request headers: `apiKey` null sends none, `auth` replaces the whole Authorization header. */
const headers = (ctx: Ctx, token: string | undefined, apiKey: string | null = ctx.c.apiKey, auth?: string): Record<string, string> => {
  const h: Record<string, string> = { 'content-type': 'application/json' };
  if (apiKey !== null) h['stream-api-key'] = apiKey;
  if (auth !== undefined) h['authorization'] = auth;
  else if (token !== undefined) h['authorization'] = `Bearer ${token}`;
  return h;
};

/** Asserts a 401 `unauthenticated` with `reason`, whose body does not reveal any part of `token`. */
function assertRefused(answer: Awaited<ReturnType<typeof twirpPost>>, reason: string, token: string, what: string): void {
  assert.is(
    checkTwirpAnswer(
      METHODS.find((m) => m.name === 'QueryCalls'),
      'json',
      answer,
      what,
    ),
    'unauthenticated',
    what,
  );
  assert.is(answer.status, 401, what);
  const body = Buffer.from(answer.body).toString();
  assert.is((JSON.parse(body) as { meta: Record<string, string> }).meta['reason'], reason, `${what}: meta.reason`);
  for (const part of token.split('.').filter((p) => p.length >= 8)) assert.not.ok(body.includes(part), `${what}: the answer reveals the token`);
}

// ---- RPCs ---------------------------------------------------------------------------------------

test('RPCs: every bad token is 401 unauthenticated with meta.reason, on every method, and changes nothing', async (ctx) => {
  const calls = ctx.c.state.calls.size;
  const published = ctx.c.events.published;
  let checked = 0;
  for (const bad of badTokens(ctx.good)) {
    for (const method of METHODS) {
      const body = JSON.stringify({ type: 'default', id: 'auth-probe', data: { members: [{ user_id: 'bob' }] }, ring: true });
      const answer = await twirpPost(ctx.c, method.name, body, headers(ctx, bad.token));
      assertRefused(answer, bad.reason, bad.token, `${method.name} with ${bad.name}`);
      checked++;
    }
  }
  assert.is(ctx.c.state.calls.size, calls, 'no call was created');
  assert.is(ctx.c.events.published, published, 'no event was published');
  console.log(`security: ${checked} refused RPCs (${badTokens(ctx.good).length} bad tokens x ${METHODS.length} methods)`);
});

test('RPCs: the API key and the Authorization header are checked', async (ctx) => {
  const cases: [string, Record<string, string>, string][] = [
    ['a wrong API key', headers(ctx, ctx.good, 'not-the-key'), 'invalid_api_key'],
    ['an API key that differs in case', headers(ctx, ctx.good, ctx.c.apiKey.toUpperCase()), 'invalid_api_key'],
    ['no API key', headers(ctx, ctx.good, null), 'invalid_api_key'],
    ['no Authorization header', headers(ctx, undefined), 'missing_token'],
    ['an empty bearer', headers(ctx, undefined, ctx.c.apiKey, 'Bearer '), 'missing_token'],
    ['another scheme (Basic)', headers(ctx, undefined, ctx.c.apiKey, `Basic ${ctx.good}`), 'missing_token'],
    ['the bare token, no scheme', headers(ctx, undefined, ctx.c.apiKey, ctx.good), 'missing_token'],
    ['two tokens', headers(ctx, undefined, ctx.c.apiKey, `Bearer ${ctx.good} ${ctx.good}`), 'missing_token'],
  ];
  for (const [name, h, reason] of cases) {
    assertRefused(await twirpPost(ctx.c, 'QueryCalls', '{}', h), reason, ctx.good, name);
  }
  // A token in the query string is not a credential.
  const inQuery = await twirpPost(
    ctx.c,
    'QueryCalls',
    '{}',
    headers(ctx, undefined),
    `/twirp/${CoordinatorService.typeName}/QueryCalls?token=${ctx.good}&access_token=${ctx.good}`,
  );
  assertRefused(inQuery, 'missing_token', ctx.good, 'a token in the query string');
  // The right ones pass.
  assert.is((await twirpPost(ctx.c, 'QueryCalls', '{}', headers(ctx, ctx.good))).status, 200);
  assert.is(
    (await twirpPost(ctx.c, 'QueryCalls', '{}', headers(ctx, undefined, ctx.c.apiKey, `bearer ${ctx.good}`))).status,
    200,
    'the scheme is case-insensitive',
  );
});

test('RPCs: a token acts as its own user only (the body cannot name another one)', async (ctx) => {
  const bob = await ctx.c.createToken('bob');
  const created = await twirpPost(
    ctx.c,
    'GetOrCreateCall',
    JSON.stringify({ type: 'default', id: 'owned', data: { members: [{ user_id: 'carol' }] } }),
    headers(ctx, ctx.good),
  );
  assert.is(created.status, 200);
  assert.is(ctx.c.state.calls.get('default:owned')!.createdBy, 'alice');
  // bob cannot end alice's call, even naming alice anywhere in the request
  const end = await twirpPost(
    ctx.c,
    'EndCall',
    JSON.stringify({ type: 'default', id: 'owned', user_id: 'alice', created_by_user_id: 'alice' }),
    headers(ctx, bob),
  );
  assert.is(end.status, 403);
  assert.not.ok(ctx.c.state.calls.get('default:owned')!.ended);
});

// ---- the WebSocket ------------------------------------------------------------------------------

const USER = (id: string) => User.create({ id, name: id });

async function authFrame(
  ctx: Ctx,
  auth: { apiKey: string; token: string; user?: ReturnType<typeof USER> },
): Promise<{ code: number; error: string; message: string; frames: string[] }> {
  const raw = new RawClient(ctx.c.wsUrl);
  ctx.raws.push(raw);
  await raw.opened;
  raw.send({ oneofKind: 'auth', auth });
  const { code } = await raw.closed;
  const error = raw.framesOf('error')[0]?.error;
  return { code, error: error?.code ?? '', message: error?.message ?? '', frames: raw.frames.map((f) => f.frame.oneofKind ?? '?') };
}

test('WebSocket: every bad token gets an error frame, then close 4002 (4003 when expired); no connection_ok', async (ctx) => {
  for (const bad of badTokens(ctx.good)) {
    const got = await authFrame(ctx, { apiKey: ctx.c.apiKey, token: bad.token, user: USER('alice') });
    assert.is(got.code, bad.close, `${bad.name}: close code`);
    assert.equal(got.frames, ['error'], `${bad.name}: only an error frame`);
    assert.is(got.error, bad.close === CLOSE_CODES.TOKEN_EXPIRED ? 'token_expired' : 'unauthenticated', `${bad.name}: error code`);
    for (const part of bad.token.split('.').filter((p) => p.length >= 8)) assert.not.ok(got.message.includes(part), `${bad.name}: the error echoes the token`);
  }
});

test('WebSocket: a wrong API key, a token for another user than the frame claims, no user: 4002', async (ctx) => {
  const cases: [string, Parameters<typeof authFrame>[1]][] = [
    ['a wrong API key', { apiKey: 'not-the-key', token: ctx.good, user: USER('alice') }],
    ['an empty API key', { apiKey: '', token: ctx.good, user: USER('alice') }],
    ['a token for alice, the frame claims mallory', { apiKey: ctx.c.apiKey, token: ctx.good, user: USER('mallory') }],
    ['a token for alice, the frame claims "alice " (a space)', { apiKey: ctx.c.apiKey, token: ctx.good, user: USER('alice ') }],
    ['a token for alice, the frame claims "Alice"', { apiKey: ctx.c.apiKey, token: ctx.good, user: USER('Alice') }],
    ['no user in the frame', { apiKey: ctx.c.apiKey, token: ctx.good }],
    ['no token', { apiKey: ctx.c.apiKey, token: '', user: USER('alice') }],
  ];
  for (const [name, auth] of cases) {
    const got = await authFrame(ctx, auth);
    assert.is(got.code, CLOSE_CODES.UNAUTHENTICATED, `${name}: close code`);
    assert.equal(got.frames, ['error'], `${name}: only an error frame`);
    assert.is(got.error, 'unauthenticated', name);
    assert.not.ok(got.message.includes(ctx.good.split('.')[2]), `${name}: the error echoes the token`);
  }
  assert.is(ctx.c.hub.connectionsOf('mallory') + ctx.c.hub.connectionsOf('alice'), 0, 'nobody got in');
});

test('the SDK: a refused token fails connectUser once with unauthenticated / token_expired, and nothing reconnects', async (ctx) => {
  for (const [token, code] of [
    [hmacToken({ alg: 'none' }, { user_id: 'alice' }, ''), 'unauthenticated'],
    [`${b64({ alg: 'none' })}.${b64({ user_id: 'alice' })}.`, 'unauthenticated'],
    [hmacToken({ alg: 'HS512' }, { user_id: 'alice' }, SECRET, 'sha512'), 'unauthenticated'],
    [await ctx.c.createToken('bob'), 'unauthenticated'],
    [await ctx.c.createToken('alice', { expiresInSeconds: -10 }), 'token_expired'],
  ] as const) {
    let sockets = 0;
    const client = new StreamVideoClient(
      ctx.c.apiKey,
      {
        baseUrl: ctx.c.baseUrl,
        logger: () => {},
        WebSocket: webSocketOf((url) => (sockets++, new WebSocket(url))),
      },
      CALL_CONFIG.meeting,
    );
    let caught: unknown;
    try {
      await client.connectUser({ id: 'alice' }, token);
    } catch (err) {
      caught = err;
    }
    assert.instance(caught, StreamVideoError);
    assert.is((caught as StreamVideoError).code, code);
    assert.is(sockets, 1, 'one socket, no reconnect loop');
    assert.is(client.readOnlyStateStore.connectionState$.get(), 'disconnected');
    await client.disconnectUser();
  }
});

test.run();
