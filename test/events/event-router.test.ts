/**
 * EventRouter: on/off, the wildcard, throwing listeners, changes during an emit.
 */
import * as assert from 'uvu/assert';
import { EventRouter } from '../../src/events/event-router';
import type { LogLevel } from '../../src/config/logger';
import { fileSuite } from '../helpers/common';

type Map = {
  ping: { type: 'ping'; n: number };
  pong: { type: 'pong'; s: string };
};

function router() {
  const logs: { level: LogLevel; message: string; extra?: Record<string, unknown> }[] = [];
  const r = new EventRouter<Map>((level, message, extra) => logs.push({ level, message, extra }));
  return { r, logs };
}

const ping = (n: number): Map['ping'] => ({ type: 'ping', n });
const pong = (s: string): Map['pong'] => ({ type: 'pong', s });

const test = fileSuite(import.meta.url);

test('on delivers events of its name only; the returned function unsubscribes', () => {
  const { r } = router();
  const pings: number[] = [];
  const pongs: string[] = [];
  const offPing = r.on('ping', (e) => pings.push(e.n));
  r.on('pong', (e) => pongs.push(e.s));
  r.emit('ping', ping(1));
  r.emit('pong', pong('a'));
  r.emit('ping', ping(2));
  assert.equal(pings, [1, 2]);
  assert.equal(pongs, ['a']);
  assert.is(r.listenerCount, 2);

  offPing();
  offPing(); // twice is harmless
  r.emit('ping', ping(3));
  assert.equal(pings, [1, 2]);
  assert.is(r.listenerCount, 1);
});

test('off removes one listener; other listeners of the name stay; off of an unknown listener is a no-op', () => {
  const { r } = router();
  const got: string[] = [];
  const a = (e: Map['ping']) => got.push(`a${e.n}`);
  const b = (e: Map['ping']) => got.push(`b${e.n}`);
  r.on('ping', a);
  r.on('ping', b);
  r.emit('ping', ping(1));
  r.off('ping', a);
  r.emit('ping', ping(2));
  r.off('ping', a);
  r.off('pong', () => {});
  assert.equal(got, ['a1', 'b1', 'b2']);
  assert.is(r.listenerCount, 1);
});

test('the same function added twice is one listener', () => {
  const { r } = router();
  let n = 0;
  const f = () => n++;
  r.on('ping', f);
  r.on('ping', f);
  r.emit('ping', ping(1));
  assert.is(n, 1);
  assert.is(r.listenerCount, 1);
});

test('"*" gets every event, after the named listeners, and unsubscribes like the others', () => {
  const { r } = router();
  const order: string[] = [];
  const offAll = r.on('*', (e) => order.push(`*:${e.type}`));
  r.on('ping', () => order.push('ping'));
  r.emit('ping', ping(1));
  r.emit('pong', pong('x'));
  assert.equal(order, ['ping', '*:ping', '*:pong']);
  offAll();
  r.emit('pong', pong('y'));
  assert.equal(order, ['ping', '*:ping', '*:pong']);

  const offAll2 = r.on('*', () => order.push('again'));
  r.off('*', offAll2); // not the listener: nothing removed
  r.emit('pong', pong('z'));
  assert.equal(order.slice(-1), ['again']);
});

test('a listener that throws does not stop the others and is reported with level "error"', () => {
  const { r, logs } = router();
  const got: string[] = [];
  r.on('ping', () => got.push('first'));
  r.on('ping', () => {
    throw new Error('boom');
  });
  r.on('ping', () => got.push('third'));
  r.on('*', () => {
    // eslint-disable-next-line @typescript-eslint/only-throw-error -- a listener that throws a non-Error is the case under test
    throw 'not an error object';
  });
  r.on('*', () => got.push('wildcard'));
  r.emit('ping', ping(1));
  assert.equal(got, ['first', 'third', 'wildcard']);
  assert.is(logs.length, 2);
  assert.ok(logs.every((l) => l.level === 'error'));
  assert.is(logs[0].extra?.['event'], 'ping');
  assert.is(logs[0].extra?.['error'], 'boom');
  assert.is(logs[1].extra?.['error'], 'not an error object');

  // still subscribed: the next event goes through as well
  r.emit('ping', ping(2));
  assert.equal(got, ['first', 'third', 'wildcard', 'first', 'third', 'wildcard']);
});

test('unsubscribing during an emit takes effect from the next event', () => {
  const { r } = router();
  const got: string[] = [];
  let offB: () => void = () => {};
  const offA = r.on('ping', (e) => {
    got.push(`a${e.n}`);
    offA(); // itself
    offB(); // a later listener
  });
  offB = r.on('ping', (e) => got.push(`b${e.n}`));
  r.on('ping', (e) => got.push(`c${e.n}`));
  r.emit('ping', ping(1));
  assert.equal(got, ['a1', 'b1', 'c1']);
  r.emit('ping', ping(2));
  assert.equal(got, ['a1', 'b1', 'c1', 'c2']);
});

test('subscribing during an emit takes effect from the next event', () => {
  const { r } = router();
  const got: string[] = [];
  r.on('ping', (e) => {
    got.push(`a${e.n}`);
    if (e.n === 1) r.on('ping', (e2) => got.push(`late${e2.n}`));
  });
  r.emit('ping', ping(1));
  r.emit('ping', ping(2));
  assert.equal(got, ['a1', 'a2', 'late2']);
});

test('clear removes everything; a non-function callback is a TypeError', () => {
  const { r } = router();
  let n = 0;
  r.on('ping', () => n++);
  r.on('*', () => n++);
  r.clear();
  r.emit('ping', ping(1));
  assert.is(n, 0);
  assert.is(r.listenerCount, 0);
  assert.throws(() => r.on('ping', undefined as never), TypeError);
  assert.throws(() => r.on('ping', 'nope' as never), TypeError);
});

test('emit with no listener at all does nothing', () => {
  const { r, logs } = router();
  r.emit('pong', pong('alone'));
  assert.is(logs.length, 0);
});

test.run();
