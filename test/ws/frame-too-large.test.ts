/**
 * Oversized client frames, SDK side (issue 14, item 8). The coordinator refuses a frame over
 * its limit with a `frame_too_large` error frame and close 4006; the same auth frame would be
 * refused on every attempt, so the SDK treats 4006 as final (`invalid_argument`), and
 * `connectUser` refuses a profile whose auth frame cannot fit before any socket opens.
 */
import * as assert from 'uvu/assert';
import { WebSocket } from 'ws';
import { StreamVideoError } from '../../src/index-node';
import { webSocketOf, type LocalCoordinatorOptions } from '../../src/testing';
import { AUTH_FRAME_RESERVE_BYTES, MAX_CLIENT_FRAME_BYTES } from '../../src/ws/frames';
import { expectError, Harness } from '../helpers/sdk';
import { fileSuite } from '../helpers/common';

const test = fileSuite<{ h: Harness | undefined }>(import.meta.url, { h: undefined });
test.after.each(async (ctx) => {
  await ctx.h?.close();
  ctx.h = undefined;
});

/** A client of `h` whose sockets are counted. */
function countedClient(h: Harness, reconnectDelayMs = 10) {
  const opened = { sockets: 0 };
  const client = h.client({
    opts: {
      WebSocket: webSocketOf((url) => (opened.sockets++, new WebSocket(url))),
      reconnectPolicy: { nextDelayMs: () => reconnectDelayMs },
      timeouts: { connectMs: 3000 },
    },
  });
  return { client, opened };
}

async function start(ctx: { h: Harness | undefined }, options: LocalCoordinatorOptions = {}): Promise<Harness> {
  ctx.h = await Harness.start(options);
  return ctx.h;
}

test('connectUser refuses a profile whose auth frame would be over 64 KiB: invalid_argument naming user.custom, no socket opened', async (ctx) => {
  const h = await start(ctx);
  const { client, opened } = countedClient(h);
  const err = await expectError(
    client.connectUser({ id: 'alice', custom: { bio: 'x'.repeat(70 * 1024) } }, await h.c.createToken('alice')),
    'invalid_argument',
    'user.custom',
  );
  assert.is(err.method, 'connectUser');
  assert.is(opened.sockets, 0);
  assert.is(h.c.hub.connectionCount, 0);
  assert.is(client.readOnlyStateStore.connectionState$.get(), 'idle');
});

test('a profile that fits with room for the token connects to the default 64 KiB hub', async (ctx) => {
  assert.is(MAX_CLIENT_FRAME_BYTES, 64 * 1024, "the hub's default");
  const h = await start(ctx);
  const { client, opened } = countedClient(h);
  const big = 'x'.repeat(MAX_CLIENT_FRAME_BYTES - AUTH_FRAME_RESERVE_BYTES - 1024);
  await client.connectUser({ id: 'alice', custom: { bio: big } }, () => h.c.createToken('alice'));
  assert.is(client.readOnlyStateStore.connectionState$.get(), 'connected');
  assert.is(opened.sockets, 1);
});

test('a server that refuses the auth frame as too large (4006): connectUser fails once with invalid_argument, no reconnect loop', async (ctx) => {
  const h = await start(ctx, { hub: { maxFrameBytes: 1024 } });
  const { client, opened } = countedClient(h);
  const err = await expectError(client.connectUser({ id: 'alice', custom: { bio: 'x'.repeat(2048) } }, await h.c.createToken('alice')), 'invalid_argument');
  assert.is(err.meta['reason'], 'frame_too_large', "the server's error frame is kept");
  assert.instance(err, StreamVideoError);
  assert.is(client.readOnlyStateStore.connectionState$.get(), 'disconnected');
  // a reconnect would open its socket 10 ms after the close: a timer set now for 100 ms fires after it
  await new Promise((resolve) => setTimeout(resolve, 100));
  assert.is(opened.sockets, 1, 'the same frame is not sent again');
  assert.is(h.c.hub.connectionCount, 0);
  // the profile was the problem: a smaller one connects
  await client.connectUser({ id: 'alice' }, await h.c.createToken('alice'));
  assert.is(client.readOnlyStateStore.connectionState$.get(), 'connected');
});

test.run();
