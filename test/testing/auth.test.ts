/**
 * TokenAuthority: HS256 user tokens; every bad token is `unauthenticated` with a
 * `meta.reason`, and the token never appears in the error.
 */
import * as assert from 'uvu/assert';
import { SignJWT } from 'jose';
import { TokenAuthority } from '../../src/testing/auth';
import { TwirpError } from '../../src/testing/twirp/twirp-error';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);

const SECRET = 'test-secret';
const authority = new TokenAuthority(SECRET);
const key = new TextEncoder().encode(SECRET);

const b64 = (value: object | string) => Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/** Asserts that verifying `token` fails with `reason` and that no part of the token leaks. */
async function rejects(token: string, reason: string): Promise<void> {
  let caught: unknown;
  try {
    await authority.verify(token);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof TwirpError, `expected a TwirpError for ${reason}, got ${String(caught)}`);
  const err = caught;
  assert.is(err.code, 'unauthenticated');
  assert.is(err.status, 401);
  assert.is(err.meta.reason, reason);
  const visible = [err.message, err.msg, JSON.stringify(err.toJSON()), String(err.stack)];
  for (const part of token.split('.').filter((p) => p.length > 8)) {
    for (const text of visible) assert.not.ok(text.includes(part), `the error reveals the token: ${text}`);
  }
}

test('a token it made verifies, with user_id and exp', async () => {
  const token = await authority.createToken('alice', { expiresInSeconds: 60 });
  const claims = await authority.verify(token);
  assert.is(claims.user_id, 'alice');
  assert.ok(claims.exp! > Date.now() / 1000 && claims.exp! <= Date.now() / 1000 + 61);
  const forever = await authority.verify(await authority.createToken('bob'));
  assert.equal(forever, { user_id: 'bob', exp: undefined });
});

test('a token signed with another secret is invalid_token', async () => {
  const other = await new TokenAuthority('other-secret').createToken('alice');
  await rejects(other, 'invalid_token');
});

test('a tampered payload is invalid_token', async () => {
  const [header, , signature] = (await authority.createToken('alice')).split('.');
  await rejects(`${header}.${b64({ user_id: 'admin' })}.${signature}`, 'invalid_token');
});

test('an unsigned token (alg "none"), crafted by hand, is invalid_token', async () => {
  const payload = b64({ user_id: 'alice', iat: Math.floor(Date.now() / 1000) });
  await rejects(`${b64({ alg: 'none', typ: 'JWT' })}.${payload}.`, 'invalid_token');
  await rejects(`${b64({ alg: 'none' })}.${payload}`, 'invalid_token');
  await rejects(`${b64({ alg: 'NONE', typ: 'JWT' })}.${payload}.${b64('x')}`, 'invalid_token');
});

test('another algorithm with the right secret is invalid_token', async () => {
  const hs512 = await new SignJWT({ user_id: 'alice' }).setProtectedHeader({ alg: 'HS512' }).sign(key);
  await rejects(hs512, 'invalid_token');
});

test('an expired token is token_expired', async () => {
  await rejects(await authority.createToken('alice', { expiresInSeconds: -10 }), 'token_expired');
  const old = await new SignJWT({ user_id: 'alice' })
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(Math.floor(Date.now() / 1000) - 3600)
    .sign(key);
  await rejects(old, 'token_expired');
});

test('a token verified before still expires: the verified-token cache checks exp on every use', async () => {
  const exp = Math.floor(Date.now() / 1000) + 2;
  const token = await new SignJWT({ user_id: 'alice' }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime(exp).sign(key);
  const first = await authority.verify(token);
  assert.equal(first, { user_id: 'alice', exp });
  first.user_id = 'mallory'; // the caller's copy, not the cache's
  assert.equal(await authority.verify(token), { user_id: 'alice', exp });
  while (Date.now() / 1000 < exp) await new Promise((r) => setTimeout(r, 100));
  await rejects(token, 'token_expired');
  await rejects(token, 'token_expired'); // and stays so
});

test('a token without a usable user_id claim is invalid_token', async () => {
  const sign = (claims: Record<string, unknown>) => new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt().sign(key);
  await rejects(await sign({ sub: 'alice' }), 'invalid_token');
  await rejects(await sign({ user_id: '' }), 'invalid_token');
  await rejects(await sign({ user_id: 42 }), 'invalid_token');
  await rejects(await sign({ user_id: ['alice'] }), 'invalid_token');
});

test('garbage is invalid_token, nothing is missing_token', async () => {
  await rejects('not-a-jwt-at-all-but-long', 'invalid_token');
  await rejects(`${b64('{not json')}.${b64('{}')}.${b64('signature')}`, 'invalid_token');
  await rejects('', 'missing_token');
});

test('bad inputs to the authority itself are TypeErrors', async () => {
  assert.throws(() => new TokenAuthority(''), TypeError);
  let caught: unknown;
  try {
    await authority.createToken('');
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof TypeError);
});

test('edge tokens are scoped to a call and an edge, and expire', async () => {
  const token = await authority.createEdgeToken('alice', 'default:c1', 'edge-a');
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
  assert.is(claims.user_id, 'alice');
  assert.is(claims.call_cid, 'default:c1');
  assert.is(claims.edge, 'edge-a');
  assert.ok(typeof claims.exp === 'number' && claims.exp > Date.now() / 1000);
});

test.run();
