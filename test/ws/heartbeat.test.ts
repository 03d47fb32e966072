/**
 * The heartbeat's verdict: a server that stops answering is declared silent; a process that
 * stalls (a long synchronous task) does not count its own stall as the server's silence; and
 * a hostile server's announced interval (1 ms, 2^32 - 1 ms) neither floods the socket with
 * probes nor overflows a timer into one (issue 14, item 5).
 */
import * as assert from 'uvu/assert';
import { StreamVideoClient } from '../../src/index-node';
import { inspectClient } from '../../src/testing';
import { Heartbeat, probeInterval, SERVER_INTERVAL_RANGE } from '../../src/ws/heartbeat';
import { startHostileHub, type HostileHub } from '../helpers/hostile';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);
const hubs: HostileHub[] = [];
const clients: StreamVideoClient[] = [];
test.after.each(async () => {
  await Promise.all(clients.splice(0).map((c) => c.disconnectUser()));
  await Promise.all(hubs.splice(0).map((h) => h.close()));
});

/** Blocks the event loop for `ms`, as a long synchronous task does: no timer, no I/O runs meanwhile (asleep on a lock no one releases, not spinning). */
function stall(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('a server that answers every probe is never silent, even across stalls of the process', async () => {
  let silent = 0;
  let probes = 0;
  const beat: Heartbeat = new Heartbeat({
    intervalMs: 10,
    deadAfterMs: 30,
    // the "server" answers on the next turn of the event loop, like a peer in the same process
    probe: () => void (probes++, setImmediate(() => beat.received())),
    onSilent: () => void silent++,
  });
  try {
    for (let i = 0; i < 5; i++) {
      stall(120); // four dead-after windows with no chance to read anything
      while (probes < (i + 1) * 3 && silent === 0) await turn();
    }
    assert.is(silent, 0, 'the stalls were not taken for silence');
  } finally {
    beat.stop();
  }
});

test('a server that stops answering is declared silent once, and the heartbeat stops', async () => {
  let silent = 0;
  const beat = new Heartbeat({ intervalMs: 10, deadAfterMs: 30, probe: () => {}, onSilent: () => void silent++ });
  while (silent === 0) await turn();
  for (let i = 0; i < 50; i++) await turn();
  assert.is(silent, 1);
  beat.stop();
});

test('the interval: the option when given, else the server’s clamped to a sane range', () => {
  assert.is(probeInterval(25, 1), 25);
  assert.is(probeInterval(undefined, 1), SERVER_INTERVAL_RANGE.min, 'a server announcing 1 ms does not flood the socket');
  assert.is(probeInterval(undefined, 2 ** 32 - 1), SERVER_INTERVAL_RANGE.max, 'nor overflows a timer');
  assert.is(probeInterval(undefined, 0), 10_000);
  assert.is(probeInterval(undefined, 20_000), 20_000);
});

/**
 * Connects a client to a hostile hub announcing `announcedMs`, then counts what the client
 * sends over `windowMs` (a bounded window: a loaded machine only makes the counts smaller).
 */
async function probesAgainst(announcedMs: number, windowMs: number): Promise<{ probes: number; sockets: number; state: string; warnings: string[] }> {
  const hub = await startHostileHub({ connectionOk: { healthCheckIntervalMs: announcedMs } });
  hubs.push(hub);
  const warnings: string[] = [];
  const onWarning = (w: Error) => void warnings.push(w.name);
  process.on('warning', onWarning);
  try {
    const client = new StreamVideoClient('key', { baseUrl: 'http://127.0.0.1:9', wsUrl: hub.url, logger: () => {} });
    clients.push(client);
    await client.connectUser({ id: 'alice' }, 'any-token');
    const before = hub.framesIn.get('healthCheck') ?? 0;
    await new Promise((resolve) => setTimeout(resolve, windowMs));
    return {
      probes: (hub.framesIn.get('healthCheck') ?? 0) - before,
      sockets: hub.sockets,
      state: client.readOnlyStateStore.connectionState$.get(),
      warnings,
    };
  } finally {
    process.off('warning', onWarning);
  }
}

test('a server announcing 1 ms: the client probes at the 1 s floor, not in a flood, and does not declare it dead', async () => {
  const seen = await probesAgainst(1, 1000);
  assert.ok(seen.probes <= 2, `probes in 1 s: ${seen.probes}`);
  assert.is(seen.sockets, 1, 'no reconnect loop');
  assert.is(seen.state, 'connected');
});

test('a server announcing 2^32 - 1 ms: no timer overflows into a 1 ms probe flood', async () => {
  const seen = await probesAgainst(2 ** 32 - 1, 500);
  assert.is(seen.probes, 0, 'the interval is clamped to 10 minutes');
  assert.is(seen.sockets, 1);
  assert.is(seen.state, 'connected');
  assert.not.ok(seen.warnings.includes('TimeoutOverflowWarning'), `warnings: ${seen.warnings.join(', ')}`);
});

test('the counts above can see probes: with its own 20 ms option, the client probes the hostile hub', async () => {
  const hub = await startHostileHub({ connectionOk: { healthCheckIntervalMs: 50 } });
  hubs.push(hub);
  const client = new StreamVideoClient('key', { baseUrl: 'http://127.0.0.1:9', wsUrl: hub.url, logger: () => {}, healthCheckIntervalMs: 20 });
  clients.push(client);
  await client.connectUser({ id: 'alice' }, 'any-token');
  await hub.until(() => (hub.framesIn.get('healthCheck') ?? 0) >= 3, 'three probes');
  assert.is(inspectClient(client).connection?.stats.sockets, 1);
});

test.run();
