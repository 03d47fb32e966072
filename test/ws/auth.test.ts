/**
 * Credentials on the real-time channel: refused credentials fail once with a typed error and
 * no reconnect loop; an expired token is refreshed through the provider; the token never
 * shows in a URL, an error or a log line.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { StreamVideoError } from '../../src/errors/stream-video-error';
import { TokenAuthority } from '../../src/testing/auth';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { assertNoTokenLeak, customPayload, describe, Scope, transcript, turns, type ClientOptions, type TestClient } from '../helpers/channel';

const scope = new Scope();
const test = suite('auth');
test.after.each(() => scope.close());

/** Every token this file handed to a client: none may leak. */
const issued = new Set<string>();
/** Every client this file made, to check the URLs they opened. */
const made: TestClient[] = [];

async function token(c: LocalCoordinator, userId: string, options?: { expiresInSeconds?: number }): Promise<string> {
  const t = await c.createToken(userId, options);
  issued.add(t);
  return t;
}

async function client(c: LocalCoordinator, userId: string, options: ClientOptions): Promise<TestClient> {
  if (typeof options.token === 'string') issued.add(options.token);
  const cl = await scope.client(c, userId, options);
  made.push(cl);
  return cl;
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
  assert.is(bob.sockets[0]!.url, c.wsUrl);
  assert.ok(bob.logs.some((l) => l.level === 'warn' && l.message === 'connection closed for good'));
});

test('a wrong API key: unauthenticated, no reconnect loop', async () => {
  const c = await scope.coordinator();
  const bob = await client(c, 'bob', { token: await token(c, 'bob'), apiKey: 'not-the-key' });
  const err = await refusedOnce(bob, 'unauthenticated');
  assert.match(err.message, /API key/);
});

test('a token for another user than the auth frame\'s: unauthenticated, no reconnect loop', async () => {
  const c = await scope.coordinator();
  const bob = await client(c, 'bob', { token: await token(c, 'alice') });
  const err = await refusedOnce(bob, 'unauthenticated');
  assert.match(err.message, /another user/);
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
  assert.match(err.message, /expired/);
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
  issued.add(secret);
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
  // a connection with a valid token that drops and reconnects, for more log lines
  const c = await scope.coordinator();
  const bob = await client(c, 'bob', { token: await token(c, 'bob') });
  await bob.connect();
  c.hub.faults.dropUser('bob');
  await bob.until(() => bob.conn.stats.sockets === 2 && bob.state === 'connected', 'reconnected');
  bob.conn.disconnect();

  assert.ok(issued.size >= 4, `distinct tokens checked: ${issued.size}`); // same claims in the same second give the same token
  const text = transcript.join('\n');
  assert.ok(text.includes('connection closed for good'), 'the refusals were logged');
  assert.ok(text.includes('StreamVideoError'), 'the errors were recorded');
  assert.ok(text.includes('connection lost'), 'the reconnect was logged');
  for (const t of issued) {
    const [, payload, signature] = t.split('.');
    for (const piece of [t, payload!, signature!]) {
      assert.not.ok(text.includes(piece), `a token (or part of one) appears in the transcript`);
    }
  }
  const checked = assertNoTokenLeak(); // and every token any client of this process was given
  assert.ok(checked.tokens >= issued.size);
  // every socket was opened on the plain hub URL: no token, no query string
  let urls = 0;
  for (const cl of made) {
    for (const s of cl.sockets) {
      urls++;
      assert.is(s.url, cl.coordinator.wsUrl);
      assert.not.ok(s.url.includes('?'));
      for (const t of issued) assert.not.ok(s.url.includes(t));
    }
  }
  assert.ok(urls >= 10, `URLs checked: ${urls}`);
});

test.run();
