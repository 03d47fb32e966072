/**
 * The local coordinator's HTTP server and its shutdown (src/testing/local-coordinator.ts):
 * slow-loris requests are answered 408 and disconnected by the header and request time limits;
 * bad limits do not start; `close()` resolves only once every socket is gone and every timer
 * the coordinator started is cleared (`process.getActiveResourcesInfo()`).
 */
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import * as assert from 'uvu/assert';
import { LocalCoordinator } from '../../src/testing/local-coordinator';
import { CLOSE_CODES } from '../../src/ws/close-codes';
import { RawClient } from '../helpers/channel';
import { authHeaders } from '../helpers/fuzz';
import { User } from '../../gen/stream/video/coordinator/v1/models';
import { fileSuite, turns, until, within } from '../helpers/common';

const test = fileSuite(import.meta.url);

const opened: LocalCoordinator[] = [];
test.after.each(async () => {
  await Promise.all(opened.splice(0).map((c) => c.close()));
});

async function start(options: Parameters<typeof LocalCoordinator.start>[0] = {}): Promise<LocalCoordinator> {
  const c = await LocalCoordinator.start({ host: '127.0.0.1', port: 0, ...options });
  opened.push(c);
  return c;
}

/** A TCP client that writes `data` and records what it gets until the server closes it. */
function slowClient(port: number, data: string): { socket: Socket; closed: Promise<string> } {
  const socket = connect(port, '127.0.0.1', () => {
    if (data) socket.write(data);
  });
  let got = '';
  socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
  socket.on('error', () => {});
  const closed = new Promise<string>((resolve) => socket.once('close', () => resolve(got)));
  return { socket, closed };
}

const count = (kind: string) => process.getActiveResourcesInfo().filter((r) => r === kind).length;
const resources = () => ({ Timeout: count('Timeout'), TCPServerWrap: count('TCPServerWrap'), TCPSocketWrap: count('TCPSocketWrap') });

/**
 * The resources of the process once they stopped changing: what earlier tests closed may take
 * a few loop turns to go. Not a wait on the clock: at most 1,000 turns.
 */
async function settledResources(): Promise<ReturnType<typeof resources>> {
  let last = JSON.stringify(resources());
  let same = 0;
  for (let i = 0; i < 1000 && same < 20; i++) {
    await turns(1);
    const now = JSON.stringify(resources());
    same = now === last ? same + 1 : 0;
    last = now;
  }
  return resources();
}

test('close() resolves with no socket and no timer of the coordinator left', async () => {
  const before = await settledResources();
  const c = await LocalCoordinator.start({ host: '127.0.0.1', port: 0, participantGraceMs: 60_000, edgeLatencyMs: { 'edge-a': 60_000 } });
  c.rpcFaults.setLatency('QueryCalls', 60_000);

  // A live socket, a socket that never authenticates, a grace period (a join without a socket),
  // an RPC held by injected latency and an edge probe held by its delay.
  const live = new RawClient(c.wsUrl);
  await live.opened;
  live.send({
    oneofKind: 'auth',
    auth: { apiKey: c.apiKey, token: await c.createToken('bob'), user: User.create({ id: 'bob', name: '', imageUrl: '', role: '' }) },
  });
  await live.until(() => live.framesOf('connectionOk').length === 1, 'connection ok');
  const silent = new RawClient(c.wsUrl);
  await silent.opened;
  const token = await c.createToken('alice');
  const rpc = (method: string, body: object) =>
    fetch(`${c.twirpUrl}/stream.video.coordinator.v1.CoordinatorService/${method}`, {
      method: 'POST',
      headers: authHeaders(c, token, 'application/json'),
      body: JSON.stringify(body),
    });
  assert.is((await rpc('JoinCall', { type: 'development', id: 'held', session_id: 'alice-1' })).status, 200, 'created and joined');
  assert.is(c.participantGrace.pendingCount, 1, 'alice has no socket: her grace period runs');
  const timersBefore = count('Timeout');
  const held = [
    heldRequest(c, 'POST', '/twirp/stream.video.coordinator.v1.CoordinatorService/QueryCalls', token),
    heldRequest(c, 'GET', '/latency/edge-a', token),
  ];
  await until(
    () => count('Timeout') >= timersBefore + 2,
    () => `the held requests to wait on their timers (${JSON.stringify(resources())})`,
  );

  await c.close();
  assert.is(c.hub.connectionCount, 0, 'every socket is gone when close() resolves');
  assert.is(c.participantGrace.pendingCount, 0);

  // What the clients see, once they have seen it: the sockets closed with 1001, the held
  // requests answered (an RPC with Twirp's `unavailable`, as the README says; issue 25, item 8).
  assert.is((await live.closed).code, CLOSE_CODES.GOING_AWAY);
  assert.is((await silent.closed).code, CLOSE_CODES.GOING_AWAY);
  assert.equal(await Promise.all(held), ['answered 503 unavailable', 'answered 503']);
  // Handles close a few loop turns after their 'close' events; the held timers ran for 60 s, so
  // a timer the coordinator left behind would keep the count above what it was before.
  const settled = () => Object.entries(resources()).every(([kind, n]) => n <= before[kind as keyof typeof before]);
  await until(settled, () => `no timer, server or socket of the coordinator left (before ${JSON.stringify(before)}, now ${JSON.stringify(resources())})`);
});

test('slow-loris: unfinished headers, no bytes at all and an unfinished body are answered 408 and closed', async () => {
  const c = await start({ headersTimeoutMs: 100, requestTimeoutMs: 200, connectionsCheckingIntervalMs: 20 });
  const port = Number(new URL(c.baseUrl).port);
  const twirp = '/twirp/stream.video.coordinator.v1.CoordinatorService/QueryCalls';
  const auth = `Authorization: Bearer ${await c.createToken('alice')}\r\nStream-Api-Key: ${c.apiKey}\r\n`;
  const clients = [
    ...Array.from({ length: 4 }, (_, i) => slowClient(port, `GET /latency/edge-a HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow-${i}: `)),
    slowClient(port, ''),
    // an authenticated RPC whose body never ends: the handler waits for it until the request time limit
    slowClient(port, `POST ${twirp} HTTP/1.1\r\nHost: 127.0.0.1\r\n${auth}Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"lim`),
  ];
  // Awaited without an upper bound of our own: the safety timeout only turns a hang into a failure.
  const answers = await within(Promise.all(clients.map((cl) => cl.closed)), 'the server to close every slow connection', 10_000);
  for (const [i, answer] of answers.entries()) assert.ok(answer.startsWith('HTTP/1.1 408'), `client ${i}: ${JSON.stringify(answer.slice(0, 20))}`);
  // the server still serves a request that is not slow
  assert.is(await heldRequest(c, 'GET', '/latency/edge-a', ''), 'answered 200');
});

test('HTTP limits by default: 10 s for the headers and 10 s for the whole request (a slow-loris is gone in 10 s)', async () => {
  const c = await start();
  assert.is(c.httpServer.headersTimeout, 10_000);
  assert.is(c.httpServer.requestTimeout, 10_000);
  const longer = await start({ headersTimeoutMs: 20_000 });
  assert.is(longer.httpServer.requestTimeout, 20_000, 'never shorter than the headers time');
});

test('bad HTTP limits: RangeError, nothing started', async () => {
  const before = count('TCPServerWrap');
  const bad = [
    { headersTimeoutMs: 0 },
    { headersTimeoutMs: 2 ** 31 },
    { headersTimeoutMs: 5000, requestTimeoutMs: 4000 },
    { requestTimeoutMs: 1.5 },
    { connectionsCheckingIntervalMs: 5 },
    { connectionsCheckingIntervalMs: 120_000 },
    { edgeLatencyMs: { 'edge-a': 2 ** 31 } },
    { edgeLatencyMs: { 'edge-a': -1 } },
    { edgeBaseUrl: 'not a url' },
    { edgeBaseUrl: 'ws://127.0.0.1:1' },
  ];
  for (const options of bad) {
    let caught: unknown;
    await LocalCoordinator.start(options).then(
      (c) => c.close(),
      (err: unknown) => (caught = err),
    );
    assert.instance(caught, RangeError, JSON.stringify(options));
  }
  assert.is(count('TCPServerWrap'), before);
});

test('edgeBaseUrl: the edges handed to clients point their latency probes at it', async () => {
  const direct = await start();
  const proxied = await start({ edgeBaseUrl: 'http://proxy.example:8080/' });
  const edgesOf = async (c: LocalCoordinator) => {
    const client = new RawClient(c.wsUrl);
    await client.opened;
    client.send({ oneofKind: 'auth', auth: { apiKey: c.apiKey, token: await c.createToken('bob'), user: { id: 'bob', name: '', imageUrl: '', role: '' } } });
    await client.until(() => client.framesOf('connectionOk').length === 1, 'connection ok');
    client.ws.terminate();
    return client.framesOf('connectionOk')[0].connectionOk.edges.map((e) => e.latencyUrl);
  };
  assert.equal(await edgesOf(direct), [`${direct.baseUrl}/latency/edge-a`, `${direct.baseUrl}/latency/edge-b`]);
  assert.equal(await edgesOf(proxied), ['http://proxy.example:8080/latency/edge-a', 'http://proxy.example:8080/latency/edge-b']);
});

test('close() is idempotent', async () => {
  const c = await LocalCoordinator.start({ host: '127.0.0.1', port: 0 });
  await Promise.all([c.close(), c.close()]);
  await c.close();
  assert.is(c.hub.connectionCount, 0);
});

/** A request with `node:http` (no client-side timers); resolves 'cut' when the connection dies before an answer. */
function heldRequest(c: LocalCoordinator, method: string, path: string, token: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest(`${c.baseUrl}${path}`, { method, agent: false, headers: authHeaders(c, token, 'application/json') }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () =>
        resolve(`answered ${res.statusCode}${res.headers['content-type'] === 'application/json' ? ` ${(JSON.parse(body) as { code: string }).code}` : ''}`),
      );
      res.on('error', () => resolve('cut'));
    });
    req.on('error', () => resolve('cut'));
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

test.run();
