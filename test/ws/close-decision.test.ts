/**
 * The connection's decisions as pure functions: what a close code leads to (reconnect, a
 * fresh token, or closing for good with which error), when the next attempt goes, and the
 * public state of each phase.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connectionError } from '../../src/errors/errors';
import { StreamVideoError } from '../../src/errors/stream-video-error';
import { CLOSE_CODES } from '../../src/ws/close-codes';
import { decideOnClose, nextAttempt, startRetry, type CloseDecision, type RetryState } from '../../src/ws/close-decision';
import { stateOf } from '../../src/ws/connection-state';
import { ExponentialBackoff } from '../../src/ws/reconnect-policy';

const test = suite('close decision');

const URL = 'ws://127.0.0.1:3030/video/connect';
const provider = { url: URL, canRefresh: true };
const staticToken = { url: URL, canRefresh: false };
const live = (): RetryState => startRetry(true, 1000);

/** The action, and the error's code when it closes for good. */
function outcome(d: CloseDecision): string {
  return d.action === 'fail' ? `fail:${d.error.code}` : d.action;
}

test('a drop, a timeout, a server going away, a refused socket: reconnect, keeping the socket’s error', () => {
  const codes = [
    CLOSE_CODES.NORMAL,
    CLOSE_CODES.GOING_AWAY,
    CLOSE_CODES.INVALID_FRAME,
    CLOSE_CODES.AUTH_TIMEOUT,
    CLOSE_CODES.HEALTH_CHECK_TIMEOUT,
    CLOSE_CODES.DROPPED,
    1006,
  ];
  const error = connectionError('network', 'the WebSocket failed', URL);
  for (const code of codes) {
    const d = decideOnClose({ code, error }, live(), provider);
    assert.is(outcome(d), 'reconnect', `close ${code}`);
    assert.is(d.action === 'reconnect' && d.retry.lastError, error, `close ${code} keeps the error`);
  }
  const before = { ...live(), lastError: error };
  const d = decideOnClose({ code: CLOSE_CODES.DROPPED, error: undefined }, before, provider);
  assert.is(d.action === 'reconnect' && d.retry.lastError, error, 'a close that says nothing keeps the last error');
});

test('unauthenticated: one fresh token from the provider, then final; final at once without a provider', () => {
  const first = decideOnClose({ code: CLOSE_CODES.UNAUTHENTICATED, error: undefined }, live(), provider);
  assert.is(outcome(first), 'refresh');
  assert.ok(first.action === 'refresh' && first.retry.refreshedAfterRefusal);
  const second = decideOnClose({ code: CLOSE_CODES.UNAUTHENTICATED, error: undefined }, first.action === 'refresh' ? first.retry : live(), provider);
  assert.is(outcome(second), 'fail:unauthenticated');
  assert.is(second.action === 'fail' && second.error.meta['url'], URL);
  assert.is(outcome(decideOnClose({ code: CLOSE_CODES.UNAUTHENTICATED, error: undefined }, live(), staticToken)), 'fail:unauthenticated');
  const frame = connectionError('unauthenticated', 'bad signature', URL, { meta: { reason: 'unauthenticated' } });
  const withFrame = decideOnClose({ code: CLOSE_CODES.UNAUTHENTICATED, error: frame }, live(), staticToken);
  assert.is(withFrame.action === 'fail' && withFrame.error, frame, "the server's own error when it sent one");
});

test('token expired: a fresh token twice in a row, final on the third; final at once without a provider', () => {
  let retry = live();
  const seen: string[] = [];
  for (let i = 0; i < 3; i++) {
    const d = decideOnClose({ code: CLOSE_CODES.TOKEN_EXPIRED, error: undefined }, retry, provider);
    seen.push(outcome(d));
    if (d.action !== 'fail') retry = d.retry;
  }
  assert.equal(seen, ['refresh', 'refresh', 'fail:token_expired']);
  assert.is(outcome(decideOnClose({ code: CLOSE_CODES.TOKEN_EXPIRED, error: undefined }, live(), staticToken)), 'fail:token_expired');
  assert.is(retry.expiredInARow, 2);
});

test('frame too large: final, invalid_argument, the server’s error when it sent one', () => {
  const d = decideOnClose({ code: CLOSE_CODES.FRAME_TOO_LARGE, error: undefined }, live(), provider);
  assert.is(outcome(d), 'fail:invalid_argument');
  assert.is(d.action === 'fail' && d.error.meta['reason'], 'frame_too_large');
  const frame = connectionError('invalid_argument', 'too large', URL, { meta: { reason: 'frame_too_large' } });
  const withFrame = decideOnClose({ code: CLOSE_CODES.FRAME_TOO_LARGE, error: frame }, live(), provider);
  assert.is(withFrame.action === 'fail' && withFrame.error, frame);
});

test('the next attempt: the policy’s delay with the attempt counted, the elapsed time since the loss, and its give-up as the last error', () => {
  const policy = new ExponentialBackoff({ baseMs: 100, maxAttempts: 2, random: () => 0.5 });
  const seen: unknown[] = [];
  const spy = { nextDelayMs: (ctx: Parameters<ExponentialBackoff['nextDelayMs']>[0]) => (seen.push({ ...ctx }), policy.nextDelayMs(ctx)) };
  const lastError = connectionError('timeout', 'no handshake', URL);
  let retry: RetryState = { ...live(), lastError };
  const delays: number[] = [];
  for (;;) {
    const next = nextAttempt(retry, spy, 1500, URL);
    if (next.action === 'fail') {
      assert.is(next.error, lastError, 'gave up with the last error');
      break;
    }
    delays.push(next.delayMs);
    retry = next.retry;
  }
  assert.equal(delays, [0, 50]);
  assert.equal(seen, [
    { attempt: 0, elapsedMs: 500, lastError, everConnected: true },
    { attempt: 1, elapsedMs: 500, lastError, everConnected: true },
    { attempt: 2, elapsedMs: 500, lastError, everConnected: true },
  ]);
  const none = nextAttempt(live(), { nextDelayMs: () => null }, 1000, URL);
  assert.ok(none.action === 'fail' && none.error.code === 'network' && none.error.meta['url'] === URL, 'network naming the URL when nothing failed');
  const negative = nextAttempt(live(), { nextDelayMs: () => -5 }, 1000, URL);
  assert.is(negative.action === 'wait' && negative.delayMs, 0);
});

test('a first connection that reaches nothing: the default policy gives up after its connect attempts, with the refusal naming the URL', () => {
  const refused = connectionError('network', 'the WebSocket failed', URL);
  let retry: RetryState = { ...startRetry(false, 0), lastError: refused };
  let waits = 0;
  for (;;) {
    const d = decideOnClose({ code: 1006, error: refused }, retry, provider);
    assert.is(d.action, 'reconnect');
    const next = nextAttempt(d.action === 'reconnect' ? d.retry : retry, new ExponentialBackoff({ random: () => 0 }), 0, URL);
    if (next.action === 'fail') {
      assert.is(next.error, refused);
      assert.is(next.error.meta['url'], URL);
      break;
    }
    waits++;
    retry = next.retry;
  }
  assert.is(waits, 3, 'three retries after the first attempt');
});

test('the public state of each phase: connecting until the first socket went live, reconnecting after', () => {
  const first = startRetry(false, 0);
  const timer = setTimeout(() => {}, 0);
  clearTimeout(timer);
  assert.equal(
    [
      stateOf({ kind: 'idle' }),
      stateOf({ kind: 'opening', retry: first, socket: undefined }),
      stateOf({ kind: 'backoff', retry: first, timer }),
      stateOf({ kind: 'opening', retry: live(), socket: undefined }),
      stateOf({ kind: 'backoff', retry: live(), timer }),
      stateOf({ kind: 'offline', retry: first }),
      stateOf({ kind: 'closed', error: new StreamVideoError('disconnected', 'bye') }),
    ],
    ['idle', 'connecting', 'connecting', 'reconnecting', 'reconnecting', 'offline', 'disconnected'],
  );
});

test.run();
