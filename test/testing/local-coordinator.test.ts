/**
 * The local coordinator's HTTP server (src/testing/local-coordinator.ts): slow-loris requests
 * are answered 408 and disconnected by the header and request time limits; bad limits do not
 * start.
 */
import { request as httpRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalCoordinator } from '../../src/testing/local-coordinator';
import { within } from '../helpers/channel';
import { authHeaders } from '../helpers/fuzz';

const test = suite('local coordinator: HTTP limits');

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

/** A request with `node:http` (no client-side timers); resolves 'cut' when the connection dies before an answer. */
function heldRequest(c: LocalCoordinator, method: string, path: string, token: string): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest(`${c.baseUrl}${path}`, { method, agent: false, headers: authHeaders(c, token, 'application/json') }, (res) => {
      res.resume();
      res.on('end', () => resolve(`answered ${res.statusCode}`));
      res.on('error', () => resolve('cut'));
    });
    req.on('error', () => resolve('cut'));
    req.end(method === 'POST' ? '{}' : undefined);
  });
}

test.run();
