/**
 * `connectUser` is one exchange on the socket, bounded by `timeouts.connectMs` (issue 14,
 * items 6 and 7): it sends no RPC, so a Twirp endpoint that stalls or answers 300 MB cannot
 * hold it past its bound or make it read a body (the calls that ring the user come with the
 * connection ok); and a socket that opens but never answers the auth frame fails it with
 * `timeout` at `connectMs`, whatever `handshakeMs` says. With nothing listening at all,
 * `connectUser` fails with `network` once the reconnect policy gives up (issue 25, item 5),
 * not at `connectMs`, and names the URL it tried.
 */
import { createServer } from 'node:net';
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { CALL_CONFIG } from '../../src/index-node';
import { webSocketOf } from '../../src/testing';
import { hugeBody, startHostileHttp, startHostileHub, type HostileHttp, type HostileHub } from '../helpers/hostile';
import { cids, expectError, Harness } from '../helpers/sdk';
import { fileSuite, within } from '../helpers/common';

const test = fileSuite<{ h: Harness; servers: (HostileHttp | HostileHub)[] }>(import.meta.url, { h: undefined as never, servers: [] });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
  ctx.servers = [];
});
test.after.each(async (ctx) => {
  await ctx.h.close();
  await Promise.all(ctx.servers.map((s) => s.close()));
});

/** A bound far above anything these connects need: it only turns a hang into a failure. */
const SAFETY_MS = 8000;

test('a Twirp endpoint that never answers: connectUser resolves without sending it anything', async ({ h, servers }) => {
  const stalled = await startHostileHttp(() => {
    // never answers
  });
  servers.push(stalled);
  const alice = h.client({ opts: { twirpUrl: `${stalled.url}/twirp`, timeouts: { connectMs: 2000, rpcMs: 60_000 } } });
  await within(alice.connectUser({ id: 'alice' }, await h.c.createToken('alice')), 'connectUser against a stalled Twirp endpoint', SAFETY_MS);
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'connected');
  assert.equal(stalled.requests, [], 'no RPC at connect');
});

test('a Twirp endpoint that answers 300 MB: connectUser reads none of it, and the ringing calls come with the connection ok', async ({ h, servers }) => {
  let bodies = 0;
  const huge = await startHostileHttp(hugeBody(300 * 1024 * 1024, () => void bodies++));
  servers.push(huge);
  const bob = await h.connect('bob', { callConfig: CALL_CONFIG.ring });
  await bob.getOrCreateCall('rings-alice', 'default', { members: [{ userId: 'alice' }], ring: true });
  const alice = h.client({ opts: { twirpUrl: `${huge.url}/twirp` } });
  await within(alice.connectUser({ id: 'alice' }, await h.c.createToken('alice')), 'connectUser against a huge Twirp endpoint', SAFETY_MS);
  assert.equal(cids(alice.readOnlyStateStore.incomingCalls$.get()), ['default:rings-alice']);
  assert.equal(huge.requests, [], 'no RPC at connect');
  assert.is(bodies, 0);
});

test('a socket that opens and never answers the auth frame: timeout at connectMs, not at handshakeMs', async ({ h, servers }) => {
  const hub = await startHostileHub({ connectionOk: null });
  servers.push(hub);
  const alice = h.client({ opts: { wsUrl: hub.url, timeouts: { connectMs: 300, handshakeMs: 60_000 } } });
  await within(expectError(alice.connectUser({ id: 'alice' }, 'any-token'), 'timeout'), 'connectUser against a stalled hub', SAFETY_MS);
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'disconnected');
  // the handshake's own bound (60 s) never ran out: no second socket (the hub may not even have seen the first on a loaded machine)
  assert.ok(hub.sockets <= 1, `sockets: ${hub.sockets}`);
});

/** A local port nothing listens on: one the system just handed out, closed again. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

test("no coordinator listening: connectUser fails with network after the reconnect policy's attempts, naming the URL it tried", async ({ h }) => {
  const wsUrl = `ws://127.0.0.1:${await closedPort()}/video/connect`;
  const opened: string[] = [];
  // The default policy, and the default connect timeout (15 s): the failure must not wait for it.
  const alice = h.client({ opts: { wsUrl, WebSocket: webSocketOf((url) => (opened.push(url), new WebSocket(url))) } });
  const err = await expectError(alice.connectUser({ id: 'alice' }, await h.c.createToken('alice')), 'network');
  assert.is(err.meta['url'], wsUrl);
  assert.equal(opened, [wsUrl, wsUrl, wsUrl, wsUrl], 'the first attempt and the default policy’s 3 retries');
  assert.is(alice.readOnlyStateStore.connectionState$.get(), 'disconnected');
});

test.run();
