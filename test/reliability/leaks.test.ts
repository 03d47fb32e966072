/**
 * Leaks: 100 connect / join / leave / disconnect cycles of one client leave nothing behind.
 * - timers and sockets: `process.getActiveResourcesInfo()` counts (Timeout, TCPSocketWrap)
 *   after the cycles equal those after a few warm-up cycles (the HTTP keep-alive sockets of
 *   fetch are closed by the server at both points, and a bounded number of event-loop turns
 *   is allowed for sockets to finish closing), and return to the counts before the
 *   coordinator started once it is closed;
 * - the hub's `connectionCount` is back to 0 after every cycle;
 * - the client's event router has no listener left after each `disconnectUser` (listeners
 *   are added with `on` in every cycle and never removed by the test);
 * - heap growth over the 100 cycles stays under {@link HEAP_BOUND_BYTES} (after gc; the
 *   check is skipped, with a note, only when gc cannot be exposed).
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { CALL_CONFIG, StreamVideoClient } from '../../src/index-node';
import { inspectClient, type LocalCoordinator } from '../../src/testing';
import { nextEvent, startCoordinator } from '../helpers/sdk';
import { fileSuite, until, waitFor } from '../helpers/common';

const CYCLES = 100;
const WARM_UP = 10;
/** Largest heap growth allowed over the 100 cycles, after gc. */
const HEAP_BOUND_BYTES = 5 * 1024 * 1024;
/** Event-loop turns allowed for sockets and timers to finish closing. */
const TURNS = 1000;
const COUNTED = ['Timeout', 'TCPSocketWrap', 'TCPServerWrap'] as const;

const test = fileSuite(import.meta.url);

type Counts = Record<(typeof COUNTED)[number], number>;

function counts(): Counts {
  const out: Counts = { Timeout: 0, TCPSocketWrap: 0, TCPServerWrap: 0 };
  for (const r of process.getActiveResourcesInfo()) if (r in out) out[r as keyof Counts]++;
  return out;
}

/**
 * Resolves with the counts once `check(counts())` holds, allowing at most `turns` setImmediate
 * turns; then rejects, or with `soft` resolves with the counts as they are.
 */
async function untilCounts(check: (c: Counts) => boolean, what: string, { turns = TURNS, soft = false } = {}): Promise<Counts> {
  for (let i = 0; i < turns; i++) {
    const now = counts();
    if (check(now)) return now;
    await new Promise((resolve) => setImmediate(resolve));
  }
  if (soft) return counts();
  throw new Error(`after ${turns} turns, ${what}: ${JSON.stringify(counts())} (${process.getActiveResourcesInfo().join(', ')})`);
}

/** `global.gc`, or gc exposed at run time through V8's flag; undefined when neither works. */
function exposeGc(): (() => void) | undefined {
  const existing = (globalThis as { gc?: () => void }).gc;
  if (typeof existing === 'function') return existing;
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

async function heapAfterGc(gc: () => void): Promise<number> {
  for (let i = 0; i < 4; i++) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
  }
  return process.memoryUsage().heapUsed;
}

/** Closes the coordinator's idle HTTP keep-alive connections (fetch keeps them open). */
function closeIdleHttp(c: LocalCoordinator): void {
  c.httpServer.closeIdleConnections();
}

test(`${CYCLES} connect / join / leave / disconnect cycles leave no timer, socket, listener or heap behind`, async () => {
  const gc = exposeGc();
  // The baseline: sockets of earlier test files in this process may still be closing.
  const before = await untilCounts((n) => n.TCPSocketWrap === 0, 'baseline', { soft: true });
  const c = await startCoordinator();
  const client = new StreamVideoClient(c.apiKey, { baseUrl: c.baseUrl, logger: () => {} }, CALL_CONFIG.meeting);
  let seen = 0;
  // The SDK's own subscriptions to its store (ring timers follow pendingCalls$) end with each session.
  const store = client.readOnlyStateStore;
  const storeListeners = () => [store.pendingCalls$.lc, store.activeCall$.lc, store.participants$.lc, store.connectionState$.lc];
  const baseline = storeListeners();

  const cycle = async (i: number) => {
    await client.connectUser({ id: 'alice', name: 'Alice' }, () => c.createToken('alice'));
    // The app's listeners outlive the session: they are removed only by the app.
    const offs = [
      client.on('*', () => void seen++),
      client.on('custom', () => {}),
      client.on('call.participant_joined', () => {}),
      client.on('connection.changed', () => {}),
    ];
    const call = await client.joinCall('leaks', 'default');
    await waitFor(client.readOnlyStateStore.participants$, (l) => l.size === 1, 'alice in the call');
    const custom = nextEvent(client, 'custom', (e) => e.custom['i'] === i);
    c.events.publish(['alice'], call.cid, { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ i }) } });
    await custom;
    await call.leave();
    await client.disconnectUser();
    assert.equal(storeListeners(), baseline, `cycle ${i}: the SDK's store subscriptions after disconnectUser`);
    assert.is(inspectClient(client).listeners, 4, `cycle ${i}: the app's listeners stay until it removes them`);
    for (const off of offs) off();
    assert.is(inspectClient(client).listeners, 0, `cycle ${i}: listeners left after the app removed its own`);
    await until(
      () => c.hub.connectionCount === 0,
      () => `cycle ${i}: the hub to close the socket (${c.hub.connectionCount} open)`,
    );
  };

  try {
    for (let i = 0; i < WARM_UP; i++) await cycle(i);
    closeIdleHttp(c);
    // Steady state with the coordinator up: its sweep timer and listening socket only.
    const warm = await untilCounts((n) => n.TCPSocketWrap <= before.TCPSocketWrap, 'sockets after the warm-up');
    const heapBefore = gc ? await heapAfterGc(gc) : 0;

    for (let i = WARM_UP; i < WARM_UP + CYCLES; i++) await cycle(i);
    assert.is(c.state.calls.get('default:leaks')!.participants.size, 0, 'no session left on the server');
    assert.ok(seen >= CYCLES * 3, `events seen: ${seen}`);

    closeIdleHttp(c);
    const after = await untilCounts(
      (n) => n.Timeout <= warm.Timeout && n.TCPSocketWrap <= warm.TCPSocketWrap,
      `timers and sockets back to the warm-up's ${JSON.stringify(warm)}`,
    );
    assert.equal(after, warm);
    if (gc) {
      const growth = (await heapAfterGc(gc)) - heapBefore;
      console.log(`  leaks: heap growth over ${CYCLES} cycles: ${(growth / 1024).toFixed(0)} KiB (bound ${HEAP_BOUND_BYTES / 1024 / 1024} MiB)`);
      assert.ok(growth < HEAP_BOUND_BYTES, `heap grew by ${growth} bytes over ${CYCLES} cycles`);
    } else {
      console.log('  leaks: NOTE gc is not exposed (run node with --expose-gc): the heap bound was not checked');
    }
  } finally {
    await client.disconnectUser();
    await c.close();
  }
  await until(() => c.hub.connectionCount === 0, 'the hub to forget every socket');
  const end = await untilCounts(
    (n) => n.Timeout <= before.Timeout && n.TCPSocketWrap <= before.TCPSocketWrap && n.TCPServerWrap <= before.TCPServerWrap,
    `timers and sockets back to the counts before the coordinator started, ${JSON.stringify(before)}`,
  );
  for (const k of COUNTED) assert.ok(end[k] <= before[k], `${k}: ${end[k]} left, ${before[k]} before`);
});

test.run();
