/**
 * Retries and timeouts on the SDK side, counted on the server: idempotent RPCs
 * (getOrCreateCall, queryCalls, joinCall)
 * are sent again after `unavailable`, a network failure or a timeout, up to
 * `retry.maxAttempts`; non-idempotent ones (startRecording, requestCallPermissions) are sent
 * once. Every attempt is bounded by `timeouts.rpcMs` (code `timeout`), and `disconnectUser`
 * aborts what is in flight (code `disconnected`).
 */
import { createServer } from 'node:net';
import * as assert from 'uvu/assert';
import { CALL_CONFIG, type StreamClientOptions, type StreamVideoClient } from '../../src/index-node';
import { startTcpProxy, tallyRpcFaults, type RpcTally } from '../helpers/chaos';
import { expectError, Harness } from '../helpers/sdk';
import { fileSuite, until, waitFor } from '../helpers/common';

const test = fileSuite<{ h: Harness; tally: RpcTally }>(import.meta.url, { h: undefined as never, tally: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
  ctx.tally = tallyRpcFaults(ctx.h.c);
});
test.after.each(async (ctx) => {
  // Requests held by an injected latency reach their handler later: let them finish first.
  await until(() => ctx.tally.inFlight === 0, 'delayed requests to finish', 3000);
  await ctx.h.close();
});

const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

/** A client for `userId` whose log lines are kept in `logs` (and passed to `onLog`, synchronously). */
async function connect(
  h: Harness,
  userId: string,
  opts: StreamClientOptions = {},
  onLog?: (message: string) => void,
): Promise<{ client: StreamVideoClient; logs: string[] }> {
  const logs: string[] = [];
  const client = await h.connect(userId, {
    callConfig: CALL_CONFIG.meeting,
    opts: {
      retry: FAST_RETRY,
      ...opts,
      logger: (_level, message) => {
        logs.push(message);
        onLog?.(message);
      },
    },
  });
  return { client, logs };
}

/** Attempts of `method` the server saw while `action` ran. */
async function attemptsDuring(tally: RpcTally, method: string, action: () => Promise<unknown>): Promise<number> {
  const before = tally.attempts.get(method) ?? 0;
  await action();
  return (tally.attempts.get(method) ?? 0) - before;
}

const retriesOf = (logs: string[], method: string, code: string) => logs.filter((l) => l === `retrying ${method} after ${code}`).length;

test('getOrCreateCall and queryCalls: two unavailable, then success on the third attempt', async ({ h, tally }) => {
  const { client: alice } = await connect(h, 'alice');
  h.c.rpcFaults.failNext('GetOrCreateCall', 2, 'unavailable');
  let created = false;
  assert.is(await attemptsDuring(tally, 'GetOrCreateCall', async () => void (created = (await alice.getOrCreateCall('r1', 'default')).created)), 3);
  assert.ok(created, 'the third attempt created the call');
  assert.is(h.c.rpcFaults.injected.get('GetOrCreateCall'), 2);
  assert.ok(h.c.state.calls.get('default:r1'), 'the call exists on the server');

  h.c.rpcFaults.failNext('QueryCalls', 2, 'unavailable');
  let found: string[] = [];
  const attempts = await attemptsDuring(tally, 'QueryCalls', async () => {
    found = (await alice.queryCalls({ members: { $in: ['alice'] } }, [])).calls.map((c) => c.call?.cid ?? '');
  });
  assert.is(attempts, 3);
  assert.equal(found, ['default:r1']);
  assert.is(h.c.rpcFaults.injected.get('QueryCalls'), 2);
});

test('joinCall: JoinCall fails twice with unavailable; one session joins', async ({ h, tally }) => {
  const { client: alice } = await connect(h, 'alice');
  for (const m of ['JoinCall']) h.c.rpcFaults.failNext(m, 2, 'unavailable');
  const before = new Map(tally.attempts);
  const call = await alice.joinCall('r2', 'default');
  for (const m of ['JoinCall']) {
    assert.is((tally.attempts.get(m) ?? 0) - (before.get(m) ?? 0), 3, `${m}: attempts`);
    assert.is(h.c.rpcFaults.injected.get(m), 2, `${m}: injected`);
  }
  const server = h.c.state.calls.get('default:r2')!;
  assert.equal(
    [...server.participants.values()].map((p) => p.sessionId),
    [call.sessionId],
    'exactly one session on the server',
  );
  await waitFor(alice.readOnlyStateStore.participants$, (v) => v.size === 1, 'alice in her participants');
  await call.leave();
});

test('the cap: retry.maxAttempts bounds the attempts; internal is not retried', async ({ h, tally }) => {
  const { client: three } = await connect(h, 'alice');
  h.c.rpcFaults.failNext('QueryCalls', 5, 'unavailable');
  assert.is(await attemptsDuring(tally, 'QueryCalls', () => expectError(three.queryCalls({}, []), 'unavailable')), 3);
  h.c.rpcFaults.clear();

  const { client: one } = await connect(h, 'bob', { retry: { maxAttempts: 1 } });
  h.c.rpcFaults.failNext('QueryCalls', 1, 'unavailable');
  assert.is(await attemptsDuring(tally, 'QueryCalls', () => expectError(one.queryCalls({}, []), 'unavailable')), 1);

  const { client: five } = await connect(h, 'carol', { retry: { maxAttempts: 5, baseDelayMs: 1, maxDelayMs: 2 } });
  h.c.rpcFaults.failNext('QueryCalls', 4, 'unavailable');
  assert.is(await attemptsDuring(tally, 'QueryCalls', () => five.queryCalls({}, [])), 5);

  h.c.rpcFaults.failNext('QueryCalls', 1, 'internal');
  assert.is(await attemptsDuring(tally, 'QueryCalls', () => expectError(five.queryCalls({}, []), 'internal')), 1, 'internal is not retryable');
  assert.is(h.c.rpcFaults.injected.get('QueryCalls'), 3 + 1 + 4 + 1);
});

test('network: a coordinator port that refuses; idempotent RPCs retry up to the cap, others fail at once', async ({ h }) => {
  // A port that was just closed: connections to it are refused.
  const closed = createServer();
  await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
  const port = (closed.address() as { port: number }).port;
  await new Promise<void>((resolve) => closed.close(() => resolve()));

  const { client: alice, logs } = await connect(h, 'alice', { twirpUrl: `http://127.0.0.1:${port}/twirp` });
  logs.length = 0;
  await expectError(alice.queryCalls({}, []), 'network');
  assert.is(retriesOf(logs, 'QueryCalls', 'network'), 2, 'three attempts in all');
  await expectError(alice.getOrCreateCall('n1', 'default'), 'network');
  assert.is(retriesOf(logs, 'GetOrCreateCall', 'network'), 2);
  await expectError(alice.startRecording('n1', 'default'), 'network');
  assert.is(retriesOf(logs, 'StartRecording', 'network'), 0, 'startRecording is not idempotent');
});

test('network: two requests reset, then the RPC goes through on the third attempt', async ({ h, tally }) => {
  const proxy = await startTcpProxy(h.c.baseUrl);
  try {
    const { client: alice, logs } = await connect(h, 'alice', { twirpUrl: proxy.twirpUrl });
    logs.length = 0;
    proxy.resets = 2;
    const attempts = await attemptsDuring(tally, 'GetOrCreateCall', () => alice.getOrCreateCall('n2', 'default'));
    assert.is(retriesOf(logs, 'GetOrCreateCall', 'network'), 2, 'two attempts failed below HTTP');
    assert.is(attempts, 1, 'one attempt reached the server');
    assert.ok(h.c.state.calls.get('default:n2'));
    // Not idempotent: one reset fails the call.
    proxy.resets = 1;
    await expectError(alice.startRecording('n2', 'default'), 'network');
    assert.is(retriesOf(logs, 'StartRecording', 'network'), 0);
    assert.is(h.c.state.calls.get('default:n2')!.recording, false);
  } finally {
    await proxy.close();
  }
});

test('timeout: an attempt slower than timeouts.rpcMs is aborted and retried; the cap applies', async ({ h, tally }) => {
  // The attempt that goes through must answer within rpcMs: 60 ms was too little once on a
  // loaded machine (a third attempt). The slow ones wait 2 s on the server.
  const rpcMs = 500;
  let removeLatency = false;
  // The SDK logs the retry before waiting its backoff: the next attempt finds no latency.
  const { client: alice, logs } = await connect(h, 'alice', { timeouts: { rpcMs } }, (message) => {
    if (removeLatency && message === 'retrying QueryCalls after timeout') h.c.rpcFaults.setLatency('QueryCalls', 0);
  });
  // The first attempt waits 2 s on the server: it times out, then the latency is removed.
  h.c.rpcFaults.setLatency('QueryCalls', 2000);
  removeLatency = true;
  assert.is(await attemptsDuring(tally, 'QueryCalls', () => alice.queryCalls({}, [])), 2);
  removeLatency = false;
  assert.is(retriesOf(logs, 'QueryCalls', 'timeout'), 1);

  h.c.rpcFaults.setLatency('QueryCalls', 2000);
  const attempts = await attemptsDuring(tally, 'QueryCalls', () => expectError(alice.queryCalls({}, []), 'timeout'));
  assert.is(attempts, 3, 'three attempts, each aborted at its timeout');
  assert.is(retriesOf(logs, 'QueryCalls', 'timeout'), 3);
  h.c.rpcFaults.setLatency('QueryCalls', 0);
});

test('non-idempotent startRecording and requestCallPermissions: one unavailable fails the call; the server saw one attempt and changed nothing', async ({
  h,
  tally,
}) => {
  const { client: alice } = await connect(h, 'alice');
  const { client: bob } = await connect(h, 'bob');
  await alice.joinCall('rec', 'default', { members: [{ userId: 'bob' }] });
  await bob.joinCall('rec', 'default');
  const record = h.c.state.calls.get('default:rec')!;
  await waitFor(alice.readOnlyStateStore.participants$, (v) => v.size === 2, 'alice sees bob');

  h.c.rpcFaults.failNext('StartRecording', 1, 'unavailable');
  const published = h.c.events.published;
  const attempts = await attemptsDuring(tally, 'StartRecording', () => expectError(alice.startRecording('rec', 'default'), 'unavailable'));
  assert.is(attempts, 1, 'not sent again');
  assert.is(h.c.rpcFaults.injected.get('StartRecording'), 1);
  assert.is(record.recording, false, 'the server is not recording');
  assert.is(h.c.events.published, published, 'no recording_started was published');
  // A second click works.
  await alice.startRecording('rec', 'default');
  assert.is(record.recording, true);

  h.c.rpcFaults.failNext('RequestPermission', 1, 'unavailable');
  const aliceSeq = h.c.events.log('alice').seq;
  const requestAttempts = await attemptsDuring(tally, 'RequestPermission', () =>
    expectError(bob.requestCallPermissions('rec', 'default', { permissions: ['screenshare'] }), 'unavailable'),
  );
  assert.is(requestAttempts, 1, 'not sent again');
  assert.is(h.c.rpcFaults.injected.get('RequestPermission'), 1);
  assert.is(h.c.events.log('alice').seq, aliceSeq, 'alice was sent no permission request');
  await bob.requestCallPermissions('rec', 'default', { permissions: ['screenshare'] });
  await waitFor(alice.readOnlyStateStore.callPermissionRequest$, (v) => v?.user?.id === 'bob', 'alice sees the request');
});

test('non-idempotent startRecording on timeout: not sent again (a server may act on a request the client gave up on)', async ({ h, tally }) => {
  const { client: alice } = await connect(h, 'alice', { timeouts: { rpcMs: 60 } });
  await alice.getOrCreateCall('slow', 'default');
  h.c.rpcFaults.setLatency('StartRecording', 300);
  assert.is(await attemptsDuring(tally, 'StartRecording', () => expectError(alice.startRecording('slow', 'default'), 'timeout')), 1);
});

test('every RPC of the client is bounded by timeouts.rpcMs (code timeout)', async ({ h }) => {
  const rpcMs = 50;
  // The call is made by alice on another client, with the default timeouts: on a loaded
  // machine a setup request may itself take longer than 50 ms.
  const { client: setup } = await connect(h, 'alice');
  await setup.getOrCreateCall('t', 'default', { members: [{ userId: 'bob' }] });
  const { client: alice } = await connect(h, 'alice', { timeouts: { rpcMs }, retry: { maxAttempts: 1 } });
  h.c.rpcFaults.setLatency('*', 400);
  const actions: [string, () => Promise<unknown>][] = [
    ['getOrCreateCall', () => alice.getOrCreateCall('t', 'default')],
    ['queryCalls', () => alice.queryCalls({}, [])],
    ['joinCall', () => alice.joinCall('t', 'default')],
    ['startRecording', () => alice.startRecording('t', 'default')],
    ['stopRecording', () => alice.stopRecording('t', 'default')],
    ['requestCallPermissions', () => alice.requestCallPermissions('t', 'default', { permissions: ['screenshare'] })],
    ['updateUserPermissions', () => alice.updateUserPermissions('t', 'default', { userId: 'bob', grantPermissions: ['screenshare'] })],
    ['cancelCall', () => alice.cancelCall('t', 'default')],
    ['rejectCall', () => alice.rejectCall('t', 'default')],
  ];
  for (const [name, action] of actions) {
    // `timeout`, not an answer: the request was aborted before the server's answer came.
    const err = await expectError(action(), 'timeout');
    assert.ok(err.cause !== undefined, `${name}: the abort is the cause`);
  }
  h.c.rpcFaults.setLatency('*', 0);
});

test('disconnectUser aborts RPCs in flight and retries waiting out a backoff (code disconnected)', async ({ h, tally }) => {
  const { client: alice } = await connect(h, 'alice', { retry: { maxAttempts: 10, baseDelayMs: 3000, maxDelayMs: 3000 } });
  h.c.rpcFaults.setLatency('QueryCalls', 1000);
  const before = tally.attempts.get('QueryCalls') ?? 0;
  const query = alice.queryCalls({}, []);
  query.catch(() => {});
  h.c.rpcFaults.setLatency('JoinCall', 1000);
  const join = alice.joinCall('abort', 'default');
  join.catch(() => {});
  await until(() => (tally.attempts.get('QueryCalls') ?? 0) > before && (tally.attempts.get('JoinCall') ?? 0) > 0, 'both requests on the server');
  await alice.disconnectUser();
  // `disconnected`, not the answer the server sends a second later: aborted at once.
  await expectError(query, 'disconnected');
  await expectError(join, 'disconnected');
  h.c.rpcFaults.clear();

  // A retry waiting out its backoff is aborted too.
  await alice.connectUser({ id: 'alice' }, () => h.c.createToken('alice'));
  h.c.rpcFaults.failNext('QueryCalls', 10, 'unavailable');
  const injectedBefore = h.c.rpcFaults.injected.get('QueryCalls') ?? 0;
  const retrying = alice.queryCalls({}, []);
  retrying.catch(() => {});
  await until(() => (h.c.rpcFaults.injected.get('QueryCalls') ?? 0) > injectedBefore, 'the first failure');
  await alice.disconnectUser();
  // `disconnected` while waiting out a 3 s backoff: the wait was cut short.
  await expectError(retrying, 'disconnected');
  h.c.rpcFaults.clear();

  // Later requests run normally.
  await alice.connectUser({ id: 'alice' }, () => h.c.createToken('alice'));
  await alice.queryCalls({}, []);
});

test.run();
