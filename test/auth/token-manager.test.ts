/**
 * Token providers that hang or fail (issue 14, items 1 and 2). Each provider call is bounded
 * (`timeouts.tokenProviderMs`) and a call that hung is never shared again, so neither an RPC
 * that needs a refresh nor a reconnect waits on it forever; a provider that fails is
 * transient: only the server refusing a fresh token is final.
 */
import * as assert from 'uvu/assert';
import { TokenManager } from '../../src/auth/token-manager';
import { StreamVideoError, type StreamVideoClient } from '../../src/index-node';
import { inspectClient, type LocalCoordinator } from '../../src/testing';
import { tallyRpcFaults } from '../helpers/chaos';
import { expectError, Harness, recordEvents } from '../helpers/sdk';
import { fileSuite, until, waitFor, within } from '../helpers/common';

/** Far above what any wait here needs: it only turns a hang (the bug) into a clear failure. */
const SAFETY_MS = 8000;

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

type Step = 'answer' | 'hang' | 'throw';

/**
 * A token provider the test steers: each call takes the next step of `plan`, then `then`.
 * The first token it hands out expires within two seconds, so that the server soon asks for a
 * new one; a hung call never settles.
 */
class Provider {
  calls = 0;
  hung = 0;
  plan: Step[] = [];
  then: Step = 'answer';
  private firstToken: string | undefined;

  constructor(
    private readonly c: LocalCoordinator,
    private readonly userId: string,
  ) {}

  readonly fn = async (): Promise<string> => {
    this.calls++;
    const step = this.plan.shift() ?? this.then;
    if (step === 'hang') {
      this.hung++;
      return new Promise<string>(() => {});
    }
    if (step === 'throw') throw new Error('the token backend is down');
    if (this.firstToken !== undefined) return this.c.createToken(this.userId);
    // 2 s (1 to 2 s from now, exp being whole seconds): it outlives connectUser on a loaded machine.
    this.firstToken = await this.c.createToken(this.userId, { expiresInSeconds: 2 });
    return this.firstToken;
  };

  /** Resolves once the first token has expired (within two seconds of its making). */
  async firstTokenExpired(): Promise<void> {
    const payload = JSON.parse(Buffer.from(this.firstToken!.split('.')[1], 'base64url').toString()) as { exp: number };
    await until(() => Date.now() >= payload.exp * 1000, 'the first token to expire', 4000);
  }
}

/** Alice, connected with a steered provider whose first token has expired by now. */
async function aliceWithExpiredToken(
  h: Harness,
  opts: Parameters<Harness['client']>[0] = {},
  then: Step = 'answer',
): Promise<{ alice: StreamVideoClient; provider: Provider }> {
  const provider = new Provider(h.c, 'alice');
  const alice = h.client(opts);
  await alice.connectUser({ id: 'alice' }, provider.fn);
  // Set before the token expires: a refresh the SDK starts on its own meets `then` too.
  provider.then = then;
  await provider.firstTokenExpired();
  assert.is(provider.calls, 1, 'the SDK still holds the first token, now expired');
  return { alice, provider };
}

test('TokenManager: a provider call that hangs fails with timeout and is not shared; the next caller starts a new call', async () => {
  let calls = 0;
  let answer = false;
  const tokens = new TokenManager(() => (++calls, answer ? Promise.resolve('fresh') : new Promise<string>(() => {})), { providerTimeoutMs: 50 });
  const [a, b] = await within(Promise.allSettled([tokens.get(), tokens.get()]), 'the hung provider call to time out', SAFETY_MS);
  assert.is(calls, 1, 'concurrent callers share a call while it is within its bound');
  for (const r of [a, b]) assert.is(r.status === 'rejected' && (r.reason as StreamVideoError).code, 'timeout');
  answer = true;
  assert.is(await tokens.get(), 'fresh');
  assert.is(calls, 2, 'the hung call was not waited on again');
  assert.is(tokens.providerCalls, 2);
});

test('TokenManager: a provider that throws or returns no token fails with unavailable (transient)', async () => {
  const throwing = new TokenManager(() => Promise.reject(new Error('down')));
  const err = await expectError(throwing.get(), 'unavailable');
  assert.is(err.meta['reason'], 'token_provider');
  assert.ok(err.retryable);
  await expectError(new TokenManager(() => Promise.resolve('')).get(), 'unavailable');
});

test('an RPC that needs a refresh while the provider hangs settles with timeout; a later one succeeds once the provider answers', async ({ h }) => {
  const { alice, provider } = await aliceWithExpiredToken(
    h,
    { opts: { timeouts: { rpcMs: 2000, tokenProviderMs: 200 }, retry: { baseDelayMs: 10, maxDelayMs: 20 } } },
    'hang',
  );
  const err = await within(expectError(alice.queryCalls({}, []), 'timeout'), 'queryCalls to settle', SAFETY_MS);
  assert.is(err.method, 'tokenProvider');
  assert.ok(provider.hung >= 1);
  provider.then = 'answer';
  const { calls } = await alice.queryCalls({}, []);
  assert.equal(calls, []);
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'connected');
});

test('a hung provider costs one timeout, not one per attempt: the RPC fails once, the provider called once (issue 25, item 1)', async ({ h }) => {
  const tally = tallyRpcFaults(h.c);
  const { alice, provider } = await aliceWithExpiredToken(
    h,
    { opts: { timeouts: { rpcMs: 2000, tokenProviderMs: 100 }, retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } } },
    'hang',
  );
  const err = await within(expectError(alice.queryCalls({}, []), 'timeout'), 'queryCalls to settle', SAFETY_MS);
  assert.is(provider.hung, 1, 'one provider call for the refresh, not one per retry');
  assert.is(provider.calls, 2, 'the first token and the refresh');
  assert.is(tally.attempts.get('QueryCalls'), 1, 'the one attempt the server refused as expired; none sent again');
  assert.is(err.method, 'tokenProvider');
  assert.is(err.meta['reason'], 'token_provider');
  // A provider that throws is its answer for this RPC too: one call, one failure.
  provider.then = 'throw';
  const thrown = await expectError(alice.queryCalls({}, []), 'unavailable');
  assert.is(thrown.meta['reason'], 'token_provider');
  assert.is(provider.calls, 3, 'one more provider call, not one per attempt');
  assert.is(tally.attempts.get('QueryCalls'), 1, 'without a token nothing is sent');
});

test('a reconnect while the provider hangs keeps trying, and recovers once the provider answers again', async ({ h }) => {
  const { alice, provider } = await aliceWithExpiredToken(h, { opts: { timeouts: { tokenProviderMs: 100 }, reconnectPolicy: { nextDelayMs: () => 20 } } });
  const { events, stop } = recordEvents(alice);
  provider.then = 'hang';
  h.c.hub.faults.dropUser('alice'); // the next socket's token has expired: the hub asks for a new one
  await until(() => provider.hung >= 2, 'a second provider call after the first one hung');
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'reconnecting');
  provider.then = 'answer';
  await waitFor(alice.readOnlyStateStore.connectionState$, (s) => s === 'connected', 'connected again', SAFETY_MS);
  stop();
  assert.equal(
    events.filter((e) => e.type === 'connection.error'),
    [],
    'never closed for good',
  );
  assert.is(alice.readOnlyStateStore.connectedUser$.get()?.id, 'alice');
  assert.equal((await alice.queryCalls({}, [])).calls, []);
  assert.ok(inspectClient(alice).tokenProviderCalls >= 4, `provider calls: ${inspectClient(alice).tokenProviderCalls}`);
});

test('a provider that throws once during a reconnect: retried on the backoff, connected again, no error', async ({ h }) => {
  const { alice, provider } = await aliceWithExpiredToken(h, { opts: { reconnectPolicy: { nextDelayMs: () => 20 } } });
  const { events, stop } = recordEvents(alice);
  provider.plan = ['throw'];
  h.c.hub.faults.dropUser('alice');
  await waitFor(alice.readOnlyStateStore.connectionState$, (s) => s === 'reconnecting', 'reconnecting');
  await waitFor(alice.readOnlyStateStore.connectionState$, (s) => s === 'connected', 'connected again');
  stop();
  assert.is(provider.calls, 3, 'the first token, the call that threw, the one that answered');
  assert.equal(
    events.filter((e) => e.type === 'connection.error' || (e.type === 'connection.changed' && e.state === 'disconnected')),
    [],
    'never closed for good',
  );
  assert.is(h.c.hub.connectionsOf('alice'), 1);
});

test.run();
