/**
 * `client.coordinatorClient` end to end, against the local coordinator over real HTTP: one
 * typed method per RPC of the service descriptor, the interceptors on every request (auth,
 * error mapping, retries, timeouts), `sendJson`, any `RpcTransport`, and error answers that
 * are not Twirp (a proxy's HTML page) mapped by HTTP status as Go's Twirp client maps them.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as assert from 'uvu/assert';
import type { RpcTransport } from '@protobuf-ts/runtime-rpc';
import { TwirpFetchTransport } from '@protobuf-ts/twirp-transport';
import { CoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { CALL_CONFIG, codeOfIntermediaryStatus, StreamVideoClient, type StreamClientOptions } from '../../src/index-node';
import { expectError, Harness } from '../helpers/sdk';
import { fileSuite } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

const FAST_RETRY = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 5 };

/** What an HTTP server on 127.0.0.1 saw: content types and auth headers, by path. */
function watchRequests(server: Server): { contentTypes: string[]; auth: string[]; paths: string[] } {
  const seen = { contentTypes: [] as string[], auth: [] as string[], paths: [] as string[] };
  server.on('request', (req: IncomingMessage) => {
    if (!req.url?.startsWith('/twirp/')) return;
    seen.paths.push(req.url);
    seen.contentTypes.push(String(req.headers['content-type']));
    seen.auth.push(String(req.headers['authorization'] ?? ''));
  });
  return seen;
}

test('one typed method per RPC of the service descriptor; each fails with not_connected before connectUser', async ({ h }) => {
  const client = h.client();
  for (const method of CoordinatorService.methods) {
    const rpc: unknown = Reflect.get(client.coordinatorClient, method.localName);
    if (typeof rpc !== 'function') return assert.unreachable(`no method ${method.localName}`);
    await expectError((): unknown => Reflect.apply(rpc, client.coordinatorClient, [{}]), 'not_connected');
  }
});

test('typed RPCs end to end: create, read, join and leave through the generated client over TwirpFetchTransport', async ({ h }) => {
  const seen = watchRequests(h.c.httpServer);
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting });
  const rpc = alice.coordinatorClient;
  assert.instance(rpc.transport, TwirpFetchTransport);
  assert.is(rpc.interceptors.length, 6, 'error mapping, retry, auth, timeout, abort on disconnect, response cap (the Node entry)');
  const { call, created } = await rpc.getOrCreateCall({ type: 'default', id: 'typed', data: { members: [{ userId: 'bob', role: 'member' }] } });
  assert.ok(created);
  assert.is(call?.call?.cid, 'default:typed');
  assert.equal(call?.members.map((m) => m.userId).sort(), ['alice', 'bob']);
  const { calls } = await rpc.queryCalls({ limit: 10 });
  assert.equal(
    calls.map((c) => c.call?.cid),
    ['default:typed'],
  );
  const { members } = await rpc.queryMembers({ type: 'default', id: 'typed' });
  assert.equal(members.map((m) => m.userId).sort(), ['alice', 'bob']);
  const joined = await rpc.joinCall({ type: 'default', id: 'typed', sessionId: 'session-1' });
  assert.ok(joined.joined);
  assert.equal(
    joined.call?.participants.map((p) => p.sessionId),
    ['session-1'],
  );
  assert.ok((await rpc.leaveCall({ type: 'default', id: 'typed', sessionId: 'session-1' })).left);
  // Binary protobuf by default, with the user's token on every request.
  assert.ok(seen.contentTypes.length >= 5);
  assert.ok(
    seen.contentTypes.every((t) => t === 'application/protobuf'),
    seen.contentTypes.join(),
  );
  assert.ok(seen.auth.every((a) => /^Bearer \S+$/.test(a)));
});

test('a Twirp error answer keeps its code, server message and meta', async ({ h }) => {
  const alice = await h.connect('alice');
  const err = await expectError(alice.coordinatorClient.endCall({ type: 'default', id: 'missing' }), 'not_found');
  assert.is(err.method, 'EndCall');
  assert.type(err.serverMessage, 'string');
  const bad = await expectError(alice.coordinatorClient.getOrCreateCall({ type: 'nope', id: 'x' }), 'invalid_argument');
  assert.is(bad.meta['argument'], 'type');
});

test('sendJson: requests go as Twirp JSON and the answers decode the same', async ({ h }) => {
  const seen = watchRequests(h.c.httpServer);
  const alice = await h.connect('alice', { opts: { sendJson: true } });
  const { call } = await alice.getOrCreateCall('json-call', 'default', { custom: { topic: 'standup' } });
  assert.is(call?.call?.cid, 'default:json-call');
  const { calls } = await alice.queryCalls({ cid: 'default:json-call' }, []);
  assert.is(calls.length, 1);
  assert.ok(seen.contentTypes.length >= 2);
  assert.ok(
    seen.contentTypes.every((t) => t === 'application/json'),
    seen.contentTypes.join(),
  );
  await expectError(alice.coordinatorClient.endCall({ type: 'default', id: 'missing' }), 'not_found');
});

test('any RpcTransport: the SDK interceptors apply to a transport the user passes', async ({ h }) => {
  const inner = new TwirpFetchTransport({ baseUrl: h.c.twirpUrl });
  let unary = 0;
  const transport: RpcTransport = {
    mergeOptions: (options) => inner.mergeOptions(options),
    unary: (method, input, options) => {
      unary++;
      return inner.unary(method, input, options);
    },
    serverStreaming: inner.serverStreaming.bind(inner),
    clientStreaming: inner.clientStreaming.bind(inner),
    duplex: inner.duplex.bind(inner),
  };
  const alice = await h.connect('alice', { opts: { transport } });
  assert.is(alice.coordinatorClient.transport, transport);
  await alice.getOrCreateCall('custom-transport', 'default');
  assert.ok(unary >= 1, 'requests went through the given transport');
  // Auth, error mapping and retries still apply.
  h.c.rpcFaults.failNext('QueryCalls', 1, 'unavailable');
  const before = unary;
  await alice.queryCalls({}, []);
  assert.ok(unary - before >= 2, 'the unavailable attempt was retried');
  await expectError(alice.coordinatorClient.endCall({ type: 'default', id: 'missing' }), 'not_found');
});

test('bad options: sendJson and transport of the wrong shape are invalid_argument', () => {
  for (const [opts, argument] of [
    [{ sendJson: 'yes' }, 'opts.sendJson'],
    [{ transport: {} }, 'opts.transport'],
    [{ logLevel: 'loud' }, 'opts.logLevel'],
  ] as [StreamClientOptions, string][]) {
    try {
      new StreamVideoClient('key', opts);
      assert.unreachable(argument);
    } catch (err) {
      assert.is((err as { code?: string }).code, 'invalid_argument');
      assert.is((err as { meta: Record<string, string> }).meta['argument'], argument);
    }
  }
});

/** An HTTP server on 127.0.0.1 that answers every request with `status` and an HTML page, counting requests. */
async function htmlServer(status: number): Promise<{ url: string; requests: () => number; close: () => Promise<void> }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(status, { 'content-type': 'text/html' }).end(`<html><body><h1>${status}</h1>proxy error</body></html>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/twirp`,
    requests: () => requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

test('non-Twirp error answers map by HTTP status as Go’s Twirp client does; 429/502/503/504 are retried for idempotent methods', async ({ h }) => {
  const cases: [number, string, number][] = [
    [502, 'unavailable', 3],
    [503, 'unavailable', 3],
    [504, 'unavailable', 3],
    [429, 'unavailable', 3],
    [401, 'unauthenticated', 1],
    [403, 'permission_denied', 1],
    [404, 'bad_route', 1],
    [400, 'internal', 1],
    [302, 'internal', 1],
    [418, 'unknown', 1],
  ];
  for (const [status, code, attempts] of cases) {
    assert.is(codeOfIntermediaryStatus(status), code, `HTTP ${status}`);
    const proxy = await htmlServer(status);
    try {
      const alice = h.client({ opts: { twirpUrl: proxy.url, retry: FAST_RETRY } });
      await alice.connectUser({ id: 'alice' }, await h.c.createToken('alice'));
      const before = proxy.requests(); // connectUser's load of the ringing calls went there too
      const err = await expectError(alice.queryCalls({}, []), code as never);
      assert.is(err.meta['status_code'], String(status), `HTTP ${status}: the status is kept in meta`);
      assert.is(proxy.requests() - before, attempts, `HTTP ${status}: attempts`);
      // Not idempotent: sent once whatever the status.
      const once = proxy.requests();
      await expectError(alice.startRecording('x', 'default'), code as never);
      assert.is(proxy.requests() - once, 1, `HTTP ${status}: startRecording is sent once`);
      await alice.disconnectUser();
    } finally {
      await proxy.close();
    }
  }
});

test.run();
