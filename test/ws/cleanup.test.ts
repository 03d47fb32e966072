/**
 * Disconnecting leaves nothing behind: no timer, no socket. Counted against what the process
 * held before each test (earlier test files of the same run may still be closing theirs).
 */
import * as assert from 'uvu/assert';
import { customPayload, FakeNetwork, nextState, Scope } from '../helpers/channel';
import { fileSuite, until } from '../helpers/common';

const scope = new Scope();
const test = fileSuite(import.meta.url);
test.after.each(() => scope.close());

const LEFTOVERS = new Set(['Timeout', 'TCPSocketWrap', 'TCPServerWrap']);

function leftovers(): string[] {
  return process.getActiveResourcesInfo().filter((r) => LEFTOVERS.has(r));
}

/** How many of each kind the process holds. */
function counts(): Record<string, number> {
  const out: Record<string, number> = { Timeout: 0, TCPSocketWrap: 0, TCPServerWrap: 0 };
  for (const r of leftovers()) out[r] += 1;
  return out;
}

/** Resolves once the process holds no more timers and TCP handles than `baseline`. */
function backTo(baseline: Record<string, number>): Promise<void> {
  const back = () => Object.entries(counts()).every(([k, n]) => n <= baseline[k]);
  return until(back, () => `no more Timeout and TCP handles than before (${JSON.stringify(baseline)}; now ${JSON.stringify(counts())})`);
}

test('after disconnect() and the coordinator closing, no timer and no socket is left', async () => {
  const baseline = counts();
  const c = await scope.coordinator({ hub: { healthCheckIntervalMs: 20 } });
  const net = new FakeNetwork();
  const bob = await scope.connected(c, 'bob', { network: net });
  const alice = await scope.connected(c, 'alice');
  // exercise the timers: health checks, a reconnect backoff, an offline/online round
  c.events.publish(['bob', 'alice'], 'default:x', customPayload(1));
  await bob.untilSeq(1);
  await alice.untilSeq(1);
  c.hub.faults.dropUser('bob');
  await bob.until(() => bob.conn.stats.sockets === 2 && bob.state === 'connected', 'reconnected');
  net.goOffline();
  net.goOnline();
  await bob.until(() => bob.conn.stats.sockets === 3 && bob.state === 'connected', 'back online');
  assert.ok(leftovers().length > 0, 'resources are in use while connected');

  bob.conn.disconnect();
  alice.conn.disconnect();
  assert.is(bob.state, 'disconnected');
  await bob.allSocketsClosed();
  await alice.allSocketsClosed();
  await c.close();

  await backTo(baseline);
});

test('disconnect() while waiting out a backoff clears the retry timer', async () => {
  const baseline = counts();
  const c = await scope.coordinator();
  const bob = await scope.connected(c, 'bob', { reconnectPolicy: { nextDelayMs: () => 60_000 } });
  c.hub.faults.dropUser('bob');
  await nextState(bob.conn, 'reconnecting');
  await bob.allSocketsClosed();
  assert.ok(process.getActiveResourcesInfo().includes('Timeout'), 'the one-minute retry timer is pending');
  bob.conn.disconnect();
  await c.close();
  await backTo(baseline);
});

test.run();
