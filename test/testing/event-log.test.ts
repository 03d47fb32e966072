/**
 * The hub's event logs: numbering per user and the bounded replay buffer.
 */
import * as assert from 'uvu/assert';
import type { Event } from '../../gen/stream/video/coordinator/v1/events';
import { EventLogs } from '../../src/testing/hub/event-log';
import { customN, customPayload, range } from '../helpers/channel';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);

function seqsOf(result: ReturnType<ReturnType<EventLogs['log']>['since']>): number[] | 'gap' {
  return result.kind === 'gap' ? 'gap' : result.events.map((e) => e.seq);
}

test("numbers each user's events from 1; one publish to a user listed twice is one event", () => {
  const logs = new EventLogs({}, () => 1000);
  const seen: [string, Event][] = [];
  const unsubscribe = logs.subscribe((u, e) => seen.push([u, e]));
  logs.publish(['alice', 'bob'], 'default:a', customPayload(1));
  logs.publish(['bob', 'bob'], 'default:b', customPayload(2));
  assert.is(logs.log('alice').seq, 1);
  assert.is(logs.log('bob').seq, 2);
  assert.is(logs.log('carol').seq, 0);
  assert.is(logs.published, 3);
  assert.equal(
    seen.map(([u, e]) => [u, e.seq, e.callCid, customN(e)]),
    [
      ['alice', 1, 'default:a', 1],
      ['bob', 1, 'default:a', 1],
      ['bob', 2, 'default:b', 2],
    ],
  );
  assert.is(Number(seen[0][1].createdAt!.seconds), 1);
  unsubscribe();
  logs.publish(['alice'], 'default:a', customPayload(3));
  assert.is(seen.length, 3, 'an unsubscribed sink gets nothing');
});

test('since: the events after lastSeq, or a gap when some are no longer kept or lastSeq is not valid', () => {
  const logs = new EventLogs({ size: 3 }, () => 0);
  for (let n = 1; n <= 5; n++) logs.publish(['bob'], 'default:x', customPayload(n));
  const log = logs.log('bob');
  assert.equal(seqsOf(log.since(5, 0)), []);
  assert.equal(seqsOf(log.since(4, 0)), [5]);
  assert.equal(seqsOf(log.since(2, 0)), [3, 4, 5]);
  assert.is(seqsOf(log.since(1, 0)), 'gap');
  assert.is(seqsOf(log.since(0, 0)), 'gap');
  for (const bad of [-1, 6, 2.5, Number.NaN]) assert.is(seqsOf(log.since(bad, 0)), 'gap', `lastSeq ${bad}`);
  assert.equal(seqsOf(logs.log('nobody').since(0, 0)), [], 'a user without events is up to date at 0');
});

test('since: events older than maxAgeMs are no longer kept', () => {
  let now = 0;
  const logs = new EventLogs({ size: 100, maxAgeMs: 1000 }, () => now);
  logs.publish(['bob'], 'default:x', customPayload(1));
  now = 600;
  logs.publish(['bob'], 'default:x', customPayload(2));
  now = 1000;
  assert.equal(seqsOf(logs.log('bob').since(0, now)), [1, 2]);
  now = 1001;
  assert.is(seqsOf(logs.log('bob').since(0, now)), 'gap');
  assert.equal(seqsOf(logs.log('bob').since(1, now)), [2]);
  now = 5000;
  assert.is(seqsOf(logs.log('bob').since(1, now)), 'gap');
  assert.equal(seqsOf(logs.log('bob').since(2, now)), []);
});

test('a long log keeps exactly the newest `size` events', () => {
  const logs = new EventLogs({ size: 10 }, () => 0);
  for (let n = 1; n <= 3000; n++) {
    logs.publish(['bob'], 'default:x', customPayload(n));
    if (n % 997 === 0) assert.equal(seqsOf(logs.log('bob').since(n - 10, 0)), range(n - 9, n));
  }
  const result = logs.log('bob').since(2990, 0);
  assert.equal(seqsOf(result), range(2991, 3000));
  assert.equal(result.kind === 'events' ? result.events.map(customN) : [], range(2991, 3000));
  assert.is(seqsOf(logs.log('bob').since(2989, 0)), 'gap');
});

test('bad bounds are refused', () => {
  assert.throws(() => new EventLogs({ size: 0 }), RangeError);
  assert.throws(() => new EventLogs({ maxAgeMs: 0 }), RangeError);
  assert.throws(() => new EventLogs({ size: Number.NaN }), RangeError);
});

test.run();
