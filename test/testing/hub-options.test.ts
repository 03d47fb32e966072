/**
 * The hub's options (src/testing/hub/hub-options.ts): each is a whole number within its range,
 * `deadAfterMs` at least the interval, or the coordinator does not start (RangeError, nothing
 * left listening); the health sweep never runs faster than its 10 ms floor; the interval
 * announced to clients is the option.
 */
import * as assert from 'uvu/assert';
import { LocalCoordinator } from '../../src/testing/local-coordinator';
import { HUB_SWEEP_FLOOR_MS, resolveHubOptions, sweepIntervalMs, type HubOptions } from '../../src/testing/hub/hub-options';
import { Scope } from '../helpers/channel';
import { User } from '../../gen/stream/video/coordinator/v1/models';
import { fileSuite } from '../helpers/common';

const scope = new Scope();
const test = fileSuite(import.meta.url);
test.after.each(() => scope.close());

const BAD: HubOptions[] = [
  { healthCheckIntervalMs: 0 },
  { healthCheckIntervalMs: 1 },
  { healthCheckIntervalMs: 9 },
  { healthCheckIntervalMs: 10.5 },
  { healthCheckIntervalMs: Number.NaN },
  { healthCheckIntervalMs: Number.POSITIVE_INFINITY },
  { healthCheckIntervalMs: 2 ** 31 }, // would overflow setInterval into a 1 ms flood
  { healthCheckIntervalMs: 3_600_001 },
  { healthCheckIntervalMs: -10 },
  { healthCheckIntervalMs: '100' as never },
  { deadAfterMs: 5 },
  { deadAfterMs: 2 ** 32 },
  { healthCheckIntervalMs: 1000, deadAfterMs: 999 }, // dead before the first probe is due
  { authTimeoutMs: 0 },
  { authTimeoutMs: 2 ** 31 },
  { maxFrameBytes: 100 },
  { maxFrameBytes: 1.5e9 },
  { maxUnauthenticatedSockets: 0 },
  { maxUnauthenticatedPerAddress: 0 },
  { authTimeoutUnderPressureMs: 9 },
  { maxSocketsPerUser: 0.5 },
  { closeGraceMs: -1 },
  { path: 'video' },
];

test('every bad value is a RangeError', () => {
  for (const options of BAD) {
    assert.throws(
      () => resolveHubOptions(options),
      (err: unknown) => err instanceof RangeError,
      JSON.stringify(options),
    );
  }
});

test('the coordinator refuses to start with a bad hub option, and leaves nothing behind', async () => {
  const servers = () => process.getActiveResourcesInfo().filter((r) => r === 'TCPServerWrap').length;
  const timers = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  const before = { servers: servers(), timers: timers() };
  for (const hub of BAD) {
    let caught: unknown;
    await LocalCoordinator.start({ hub }).then(
      (c) => c.close(),
      (err: unknown) => (caught = err),
    );
    assert.instance(caught, RangeError, JSON.stringify(hub));
  }
  assert.equal({ servers: servers(), timers: timers() }, before);
});

test('defaults, and values at both ends of each range, are accepted', () => {
  assert.equal(resolveHubOptions(), {
    path: '/video/connect',
    authTimeoutMs: 5000,
    healthCheckIntervalMs: 10_000,
    deadAfterMs: 30_000,
    maxFrameBytes: 64 * 1024,
    maxUnauthenticatedSockets: 256,
    maxUnauthenticatedPerAddress: 32,
    authTimeoutUnderPressureMs: 1000,
    maxSocketsPerUser: 64,
    closeGraceMs: 1000,
  });
  assert.is(resolveHubOptions({ healthCheckIntervalMs: 10, deadAfterMs: 10 }).deadAfterMs, 10);
  const slow = resolveHubOptions({ healthCheckIntervalMs: 3_600_000 });
  assert.is(slow.deadAfterMs, 3_600_000, 'the default dead time stays within the range');
});

test('the sweep never runs faster than its floor', () => {
  assert.is(HUB_SWEEP_FLOOR_MS, 10);
  const cases: [number, number, number][] = [
    // interval, deadAfter, sweep
    [10, 10, 10], // half the dead time would be 5 ms
    [10, 15, 10],
    [10, 30, 10],
    [30, 40, 20],
    [1000, 3000, 1000],
    [10_000, 30_000, 10_000],
    [3_600_000, 3_600_000, 1_800_000],
  ];
  for (const [healthCheckIntervalMs, deadAfterMs, sweep] of cases) {
    assert.is(sweepIntervalMs({ healthCheckIntervalMs, deadAfterMs }), sweep, `${healthCheckIntervalMs}/${deadAfterMs}`);
  }
});

test('the hub sweeps at the period it reports, and announces the interval it was given', async () => {
  const fastest = await scope.coordinator({ hub: { healthCheckIntervalMs: 10, deadAfterMs: 10 } });
  assert.is(fastest.hub.sweepIntervalMs, 10);
  assert.is(fastest.hub.healthCheckIntervalMs, 10);
  assert.is(fastest.hub.limits.deadAfterMs, 10);
  // a dead time long enough that a loaded machine does not close the socket while it authenticates
  const c = await scope.coordinator({ hub: { healthCheckIntervalMs: 10, deadAfterMs: 60_000 } });
  assert.is(c.hub.sweepIntervalMs, 10);
  const raw = scope.raw(c.wsUrl);
  await raw.opened;
  raw.send({
    oneofKind: 'auth',
    auth: { apiKey: c.apiKey, token: await c.createToken('bob'), user: User.create({ id: 'bob', name: '', imageUrl: '', role: '' }) },
  });
  await raw.until(() => raw.framesOf('connectionOk').length === 1, 'connection ok');
  assert.is(raw.framesOf('connectionOk')[0].connectionOk.healthCheckIntervalMs, 10);
});

test.run();
