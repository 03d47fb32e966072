/**
 * Connection liveness and sequence checks: health checks keep a quiet connection up, a stuck
 * handshake is retried, a sequence gap makes the client resume, a duplicate is dropped.
 * (Every test's log lines and errors are checked for tokens by `scope.close()`.)
 */
import * as assert from 'uvu/assert';
import { ServerFrame, type Event } from '../../gen/stream/video/coordinator/v1/events';
import { StreamVideoError } from '../../src/errors/stream-video-error';
import { CLOSE_CODES } from '../../src/ws/close-codes';
import { customN, customPayload, Scope } from '../helpers/channel';
import { fileSuite } from '../helpers/common';

const scope = new Scope();
const test = fileSuite(import.meta.url);
test.after.each(() => scope.close());

function eventFrame(seq: number, n: number): Uint8Array {
  const event: Event = { seq, callCid: 'default:forged', createdAt: undefined, payload: customPayload(n) };
  return ServerFrame.toBinary({ frame: { oneofKind: 'event', event } });
}

test('a quiet connection stays up: both sides probe and answer (20 ms interval, dead after 250 ms)', async () => {
  const c = await scope.coordinator({ hub: { healthCheckIntervalMs: 20, deadAfterMs: 250 } });
  const bob = await scope.connected(c, 'bob', { deadAfterMs: 250 });
  // the hub's probes and its answers to the client's probes: 60 frames take longer than deadAfterMs
  await bob.until(() => bob.socket.framesReceived >= 60, '60 health-check frames');
  assert.is(bob.state, 'connected');
  assert.is(bob.conn.stats.sockets, 1);
  assert.is(bob.conn.stats.reconnects, 0);
  assert.is(c.hub.connectionsOf('bob'), 1);
  assert.is(bob.events.length, 0);
});

test("the client follows the interval it was given rather than the server's", async () => {
  const c = await scope.coordinator({ hub: { healthCheckIntervalMs: 60_000 } });
  const bob = await scope.connected(c, 'bob', { healthCheckIntervalMs: 20, deadAfterMs: 250 });
  // the hub answers each client probe: 10 answers only come from the client's own 20 ms pace
  await bob.until(() => bob.socket.framesReceived >= 10, "10 answers to the client's probes");
  assert.is(bob.conn.stats.sockets, 1);
  // and a silent server is noticed at that pace
  c.hub.faults.silenceUser('bob');
  await bob.until(() => bob.conn.stats.sockets === 2 && bob.state === 'connected', 'reconnected after the silence');
});

test('a handshake that never completes is retried; connect() then fails with timeout', async () => {
  const c = await scope.coordinator();
  c.hub.faults.setFrameDelay(60_000); // connection ok never comes in time
  const bob = await scope.client(c, 'bob', { handshakeTimeoutMs: 60, connectTimeoutMs: 400 });
  const err = await bob.connectError();
  assert.instance(err, StreamVideoError);
  assert.is((err as StreamVideoError).code, 'timeout');
  const cause = err.cause as StreamVideoError | undefined;
  assert.instance(cause, StreamVideoError);
  assert.is(cause!.code, 'timeout', 'the last attempt timed out too');
  assert.ok(
    bob.logs.some((l) => l.extra?.['code'] === CLOSE_CODES.HEALTH_CHECK_TIMEOUT),
    'each attempt ended with the handshake timeout close (4004)',
  );
  assert.ok(bob.conn.stats.sockets >= 2, `sockets: ${bob.conn.stats.sockets}`);
  assert.is(bob.state, 'disconnected');
  await bob.allSocketsClosed();
  c.hub.faults.setFrameDelay(0);
});

test('a handshake slower than the limit once, then fine: connected on the second socket', async () => {
  const c = await scope.coordinator();
  c.hub.faults.setFrameDelay(60_000);
  const bob = await scope.client(c, 'bob', { handshakeTimeoutMs: 80 });
  const connecting = bob.connect();
  await bob.until(() => bob.conn.stats.reconnects === 1, 'the first handshake to time out');
  c.hub.faults.setFrameDelay(0);
  await connecting;
  assert.is(bob.state, 'connected');
  assert.ok(bob.conn.stats.sockets >= 2);
});

test('an event that skips a seq: the client resumes from what it has and gets the real events', async () => {
  const c = await scope.coordinator();
  const bob = await scope.connected(c, 'bob');
  c.events.publish(['bob'], 'default:x', customPayload(1));
  c.events.publish(['bob'], 'default:x', customPayload(2));
  await bob.untilSeq(2);

  c.hub.faults.sendRaw('bob', eventFrame(5, 500)); // as if 3 and 4 were lost on the way
  await bob.until(() => bob.conn.stats.gaps === 1 && bob.conn.stats.sockets === 2 && bob.state === 'connected', 'resumed on a new socket');
  assert.equal(bob.seqs, [1, 2], 'the event after the gap is not delivered');
  assert.ok(
    bob.logs.some((l) => l.level === 'warn' && l.extra?.['expected'] === 3 && l.extra?.['got'] === 5),
    'the gap was logged with what was expected and what came',
  );

  for (let n = 3; n <= 5; n++) c.events.publish(['bob'], 'default:x', customPayload(n));
  await bob.untilSeq(5);
  assert.equal(bob.seqs, [1, 2, 3, 4, 5]);
  assert.equal(bob.events.map(customN), [1, 2, 3, 4, 5]);
});

test('an event delivered twice is dropped', async () => {
  const c = await scope.coordinator();
  const bob = await scope.connected(c, 'bob');
  c.events.publish(['bob'], 'default:x', customPayload(1));
  c.events.publish(['bob'], 'default:x', customPayload(2));
  await bob.untilSeq(2);
  c.hub.faults.sendRaw('bob', eventFrame(2, 200));
  c.hub.faults.sendRaw('bob', eventFrame(1, 100));
  c.events.publish(['bob'], 'default:x', customPayload(3));
  await bob.untilSeq(3);
  assert.equal(bob.seqs, [1, 2, 3]);
  assert.equal(bob.events.map(customN), [1, 2, 3]);
  assert.is(bob.conn.stats.duplicatesDropped, 2);
  assert.is(bob.conn.stats.sockets, 1);
});

test('an event of a kind this SDK does not know still advances the seq, without being delivered', async () => {
  const c = await scope.coordinator();
  const bob = await scope.connected(c, 'bob');
  c.events.publish(['bob'], 'default:x', { oneofKind: undefined });
  c.events.publish(['bob'], 'default:x', customPayload(2));
  await bob.untilSeq(2);
  assert.equal(bob.seqs, [2]);
  assert.is(bob.conn.lastSeq, 2);
  assert.is(bob.conn.stats.gaps, 0);
});

test('the coordinator going away (1001): the client keeps trying, and disconnect() stops it', async () => {
  const c = await scope.coordinator();
  const bob = await scope.connected(c, 'bob');
  const reconnecting = bob.nextState('reconnecting'); // before close(), which resolves once every socket is gone
  await c.close();
  await reconnecting;
  await bob.until(() => bob.conn.stats.sockets >= 3, 'two retries');
  bob.conn.disconnect();
  assert.is(bob.state, 'disconnected');
  await bob.allSocketsClosed();
});

test.run();
