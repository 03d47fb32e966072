/**
 * ExponentialBackoff: the first attempt at once, then full jitter within its bounds, the
 * cap, giving up, bad options.
 */
import * as assert from 'uvu/assert';
import { connectionError } from '../../src/errors/errors';
import { StreamVideoError } from '../../src/errors/stream-video-error';
import { ExponentialBackoff, type ReconnectContext } from '../../src/ws/reconnect-policy';
import { mulberry32 } from '../helpers/channel';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);

const at = (attempt: number): ReconnectContext => ({ attempt, elapsedMs: 0, lastError: undefined, everConnected: true });

test('defaults: 250 ms base, 10 s cap, never gives up', () => {
  const b = new ExponentialBackoff();
  assert.is(b.baseMs, 250);
  assert.is(b.maxMs, 10_000);
  assert.is(b.maxAttempts, Number.POSITIVE_INFINITY);
  assert.is(new ExponentialBackoff({ random: () => 0.999 }).nextDelayMs(at(1_000_000)), 9990);
});

test('the first attempt after a drop goes at once, whatever the randomness', () => {
  for (const random of [() => 0, () => 0.5, () => 0.999]) assert.is(new ExponentialBackoff({ baseMs: 100, random }).nextDelayMs(at(0)), 0);
});

test('full jitter from the second attempt: just below base * 2^(attempt-1) with random = 0.999, capped at maxMs', () => {
  const b = new ExponentialBackoff({ baseMs: 100, maxMs: 1000, random: () => 0.999 });
  assert.equal(
    [0, 1, 2, 3, 4, 5, 6, 10, 31, 100, 5000].map((n) => b.nextDelayMs(at(n))),
    [0, 99, 199, 399, 799, 999, 999, 999, 999, 999, 999],
  );
});

test('full jitter: 0 with random = 0', () => {
  const b = new ExponentialBackoff({ baseMs: 100, maxMs: 1000, random: () => 0 });
  for (const n of [0, 1, 5, 50]) assert.is(b.nextDelayMs(at(n)), 0);
});

test('full jitter: every delay is an integer in [0, min(maxMs, base * 2^(attempt-1)))', () => {
  const rnd = mulberry32(7);
  const b = new ExponentialBackoff({ baseMs: 50, maxMs: 3000, random: rnd });
  const seen = new Set<number>();
  for (let i = 0; i < 2000; i++) {
    const attempt = 1 + (i % 12);
    const d = b.nextDelayMs(at(attempt))!;
    const ceiling = Math.min(3000, 50 * 2 ** (attempt - 1));
    assert.ok(Number.isInteger(d) && d >= 0 && d < ceiling, `attempt ${attempt}: ${d} not in [0, ${ceiling})`);
    seen.add(d);
  }
  assert.ok(seen.size > 500, 'the delays are spread out');
});

test('a cap equal to the base: every delay below it', () => {
  const b = new ExponentialBackoff({ baseMs: 10, maxMs: 10, random: () => 0.999 });
  for (const n of [1, 2, 20]) assert.is(b.nextDelayMs(at(n)), 9);
});

test('maxAttempts: null from that attempt on', () => {
  const b = new ExponentialBackoff({ baseMs: 10, maxAttempts: 3, random: () => 0.5 });
  assert.equal(
    [0, 1, 2, 3, 4, 100].map((n) => b.nextDelayMs(at(n))),
    [0, 5, 10, null, null, null],
  );
  assert.is(new ExponentialBackoff({ maxAttempts: 0 }).nextDelayMs(at(0)), null, 'maxAttempts 0: never retry');
});

test('the first connection to a server that cannot be reached: null after maxConnectAttempts (default 3); a live one was, or another error: on', () => {
  const refused = connectionError('network', 'the WebSocket failed', 'ws://127.0.0.1:1/video/connect');
  const first = (attempt: number, lastError: Error | undefined = refused): ReconnectContext => ({ attempt, elapsedMs: 0, lastError, everConnected: false });
  const b = new ExponentialBackoff({ baseMs: 100, random: () => 0.5 });
  assert.is(b.maxConnectAttempts, 3);
  assert.equal(
    [0, 1, 2, 3, 4].map((n) => b.nextDelayMs(first(n))),
    [0, 50, 100, null, null],
  );
  assert.is(b.nextDelayMs({ ...first(3), everConnected: true }), 200, 'after a live connection: maxAttempts alone');
  const slow = new StreamVideoError('timeout', 'no handshake within 10000 ms');
  assert.is(b.nextDelayMs(first(3, slow)), 200, 'a server that answers slowly: tried until the connect timeout');
  assert.is(b.nextDelayMs(first(3, new Error('the backend is down'))), 200, 'a token provider failing: not the server');
  assert.is(new ExponentialBackoff({ maxConnectAttempts: 0 }).nextDelayMs(first(0)), null, 'maxConnectAttempts 0: no retry');
  assert.is(new ExponentialBackoff({ maxConnectAttempts: Number.POSITIVE_INFINITY, random: () => 0 }).nextDelayMs(first(50)), 0);
});

test('RangeError on bad options', () => {
  const bad = [
    { baseMs: 0 },
    { baseMs: -5 },
    { baseMs: Number.NaN },
    { maxMs: 100, baseMs: 200 },
    { maxMs: Number.NaN },
    { maxMs: -1 },
    { maxAttempts: -1 },
    { maxAttempts: 1.5 },
    { maxAttempts: Number.NaN },
    { maxConnectAttempts: -1 },
    { maxConnectAttempts: 2.5 },
  ];
  for (const options of bad) assert.throws(() => new ExponentialBackoff(options), RangeError, JSON.stringify(options));
  // still fine
  new ExponentialBackoff({ maxAttempts: Number.POSITIVE_INFINITY });
  new ExponentialBackoff({ baseMs: 1, maxMs: 1, maxAttempts: 0 });
});

test.run();
