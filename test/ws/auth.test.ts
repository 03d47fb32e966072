/**
 * Credentials on the real-time channel: refused credentials fail once with a typed error and
 * no reconnect loop; an expired token is refreshed through the provider; the token never
 * shows in a URL, an error or a log line.
 */
import * as assert from 'uvu/assert';
import { StreamVideoError } from '../../src/errors/stream-video-error';
import { TokenAuthority } from '../../src/testing/auth';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { assertNoTokenLeak, customPayload, describe, Scope, transcript, transcriptMark, type ClientOptions, type TestClient } from '../helpers/channel';
import { fileSuite, turns } from '../helpers/common';

const scope = new Scope();
const test = fileSuite(import.meta.url);
test.after.each(() => scope.close());

async function token(c: LocalCoordinator, userId: string, options?: { expiresInSeconds?: number }): Promise<string> {
  return c.createToken(userId, options);
}

async function client(c: LocalCoordinator, userId: string, options: ClientOptions): Promise<TestClient> {
  return scope.client(c, userId, options);
}

/** Asserts that `client`'s connect() fails with `code` once: state disconnected, one socket, no retry. */
async function refusedOnce(cl: TestClient, code: string): Promise<StreamVideoError> {
  const err = await cl.connectError();
  assert.instance(err, StreamVideoError);
  assert.is((err as StreamVideoError).code, code, describe(err));
  assert.is(cl.state, 'disconnected');
  await cl.allSocketsClosed();
  await turns(20); // anything scheduled by the close has had its chance to run
  assert.is(cl.conn.stats.sockets, 1, 'no reconnect loop');
  assert.is(cl.conn.stats.reconnects, 0);
  assert.is(cl.state, 'disconnected');
  const late = await cl.conn.waitUntilConnected(100, 'getCall').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.is((late as StreamVideoError).code, 'not_connected', 'nothing waits for a connection that gave up');
  return err as StreamVideoError;
}

test('a token signed with another secret: unauthenticated, no reconnect loop', async () => {
  const c = await scope.coordinator();
  const forged = await new TokenAuthority('other').createToken('bob');
  const bob = await client(c, 'bob', { token: forged });
  const err = await refusedOnce(bob, 'unauthenticated');
  assert.is(err.meta['reason'], 'unauthenticated');
  assert.is(bob.sockets[0].url, c.wsUrl);
  assert.ok(
    bob.logs.some((l) => l.level === 'warn' && l.extra?.['code'] === 'unauthenticated'),
    'the refusal was logged with its code',
  );
});

test('a wrong API key: unauthenticated, no reconnect loop', async () => {
  const c = await scope.coordinator();
  const bob = await client(c, 'bob', { token: await token(c, 'bob'), apiKey: 'not-the-key' });
  const err = await refusedOnce(bob, 'unauthenticated');
  assert.is(err.meta['reason'], 'unauthenticated', "the server's error frame");
  assert.ok(err.serverMessage, "the server's explanation is kept");
});

test("a token for another user than the auth frame's: unauthenticated, no reconnect loop", async () => {
  const c = await scope.coordinator();
  const bob = await client(c, 'bob', { token: await token(c, 'alice') });
  const err = await refusedOnce(bob, 'unauthenticated');
  assert.is(err.meta['reason'], 'unauthenticated', "the server's error frame");
  assert.ok(err.serverMessage, "the server's explanation is kept");
});

test('an expired token from the provider: refreshed once, then connected', async () => {
  const c = await scope.coordinator();
  const expired = await token(c, 'bob', { expiresInSeconds: -10 });
  const valid = await token(c, 'bob');
  const handed: string[] = [];
  const bob = await client(c, 'bob', {
    token: async () => {
      const t = handed.length === 0 ? expired : valid;
      handed.push(t);
      return t;
    },
  });
  await bob.connect();
  assert.is(bob.state, 'connected');
  // the first load gives the expired token; the server's token_expired makes exactly one refresh
  assert.equal(handed, [expired, valid]);
  assert.is(bob.tokens.providerCalls, 2);
  assert.is(bob.conn.stats.sockets, 2);
  assert.is(bob.conn.stats.reconnects, 0, 'a refresh is not a backoff');

  c.events.publish(['bob'], 'default:x', customPayload(1));
  await bob.untilSeq(1);
  assert.is(bob.tokens.providerCalls, 2);
});

test('an expired static token: token_expired, no loop', async () => {
  const c = await scope.coordinator();
  const bob = await client(c, 'bob', { token: await token(c, 'bob', { expiresInSeconds: -10 }) });
  const err = await refusedOnce(bob, 'token_expired');
  assert.not.ok(bob.tokens.canRefresh);
  assert.is(err.method, 'connect');
  assert.is(err.meta['reason'], undefined, 'the client gave up by itself: no provider to ask');
});

test('a provider that keeps returning expired tokens: token_expired after a bounded number of tries', async () => {
  const c = await scope.coordinator();
  const expired = await token(c, 'bob', { expiresInSeconds: -10 });
  const bob = await client(c, 'bob', { token: async () => expired });
  const err = await bob.connectError();
  assert.is((err as StreamVideoError).code, 'token_expired');
  assert.is(bob.state, 'disconnected');
  await bob.allSocketsClosed();
  await turns(20);
  const sockets = bob.conn.stats.sockets;
  assert.ok(sockets >= 2 && sockets <= 3, `sockets: ${sockets}`);
  assert.is(bob.tokens.providerCalls, sockets);
});

test('a provider that fails is transient: retried on the backoff without opening sockets, then connects once it answers', async () => {
  const c = await scope.coordinator();
  const secret = await token(c, 'bob');
  let calls = 0;
  const bob = await client(c, 'bob', {
    token: async () => {
      if (++calls < 3) throw new Error('the backend is down');
      return secret;
    },
  });
  await bob.connect();
  assert.is(calls, 3);
  assert.is(bob.conn.stats.sockets, 1, 'no socket while there was no token');
  assert.is(bob.state, 'connected');
});

test('a provider that keeps failing: connect ends with timeout, the provider error as its cause', async () => {
  const c = await scope.coordinator();
  const bob = await client(c, 'bob', {
    connectTimeoutMs: 200,
    token: async () => {
      throw new Error('the backend is down');
    },
  });
  const err = (await bob.connectError()) as StreamVideoError;
  assert.is(err.code, 'timeout');
  assert.is((err.cause as StreamVideoError).code, 'unavailable');
  assert.is(bob.conn.stats.sockets, 0);
  assert.is(bob.state, 'disconnected');
});

test('the token never appears in a URL, an error message or a log line', async () => {
  // Refusals, a refresh, a drop and a reconnect, a provider that fails: many log lines and
  // errors, all written by this test (every other test's lines are checked by scope.close()).
  const mark = transcriptMark();
  const c = await scope.coordinator();
  const tokens = new Set<string>();
  const keep = async (t: Promise<string>) => {
    const value = await t;
    tokens.add(value);
    return value;
  };
  const forged = await keep(new TokenAuthority('other').createToken('bob'));
  const expired = await keep(token(c, 'carol', { expiresInSeconds: -10 }));
  const valid = await keep(token(c, 'carol'));
  const clients: TestClient[] = [];
  const refused = await client(c, 'bob', { token: forged });
  clients.push(refused);
  await refusedOnce(refused, 'unauthenticated');
  const staticExpired = await client(c, 'carol', { token: expired });
  clients.push(staticExpired);
  await refusedOnce(staticExpired, 'token_expired');
  let handed = 0;
  const refreshed = await client(c, 'carol', { token: async () => (handed++ === 0 ? expired : valid) });
  clients.push(refreshed);
  await refreshed.connect();
  let failures = 0;
  const flaky = await client(c, 'dave', { token: async () => (failures++ < 2 ? Promise.reject(new Error('the backend is down')) : keep(token(c, 'dave'))) });
  clients.push(flaky);
  await flaky.connect();
  const bob = await client(c, 'bob', { token: await keep(token(c, 'bob')) });
  clients.push(bob);
  await bob.connect();
  c.hub.faults.dropUser('bob');
  await bob.until(() => bob.conn.stats.sockets === 2 && bob.state === 'connected', 'reconnected');
  bob.conn.disconnect();

  const { lines } = assertNoTokenLeak(mark);
  assert.ok(lines >= 10, `lines checked: ${lines}`);
  const text = transcript.slice(mark).join('\n');
  assert.ok(tokens.size >= 5, `distinct tokens: ${tokens.size}`);
  for (const t of tokens) {
    const [, payload, signature] = t.split('.');
    for (const piece of [t, payload, signature]) assert.not.ok(text.includes(piece), 'a token (or part of one) appears in the transcript');
  }
  // every socket was opened on the plain hub URL: no token, no query string
  const urls = clients.flatMap((cl) => cl.sockets.map((s) => s.url));
  assert.ok(urls.length >= 6, `URLs checked: ${urls.length}`);
  for (const url of urls) assert.is(url, c.wsUrl);
});

test.run();
