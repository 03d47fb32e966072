/**
 * nextTrackHealth and expectAgain (src/media/track-health.ts), the pure rules behind each
 * remote track's state in the store: pending, receiving, stalled, ended.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { expectAgain, nextTrackHealth, type TrackHealth } from '../../src/media/track-health';

const STALL = 4000;
const sample = (count: number, muted = false) => ({ count, muted });

test('published: pending until media arrives, then receiving; ended once unpublished; pending again when published again', () => {
  let h = nextTrackHealth(undefined, undefined, true, 0, STALL);
  assert.equal(h, { state: 'pending', count: 0, since: 0 });
  h = nextTrackHealth(h, sample(0), true, 1000, STALL);
  assert.is(h.state, 'pending', 'nothing decoded yet');
  h = nextTrackHealth(h, sample(12), true, 2000, STALL);
  assert.equal(h, { state: 'receiving', count: 12, since: 2000 });
  h = nextTrackHealth(h, sample(40), false, 3000, STALL);
  assert.equal(h, { state: 'ended', count: 40, since: 3000 });
  assert.is(nextTrackHealth(h, sample(50), false, 9000, STALL), h, 'ended stays ended, the same object');
  h = nextTrackHealth(h, sample(50), true, 10_000, STALL);
  assert.equal(h, { state: 'pending', count: 50, since: 10_000 });
});

test('stalled after the stall time without new media, from the last arrival; receiving again when media flows', () => {
  let h: TrackHealth = { state: 'receiving', count: 100, since: 1000 };
  h = nextTrackHealth(h, sample(100), true, 1000 + STALL - 1, STALL);
  assert.is(h.state, 'receiving', 'just before the bound');
  h = nextTrackHealth(h, sample(100), true, 1000 + STALL, STALL);
  assert.equal(h, { state: 'stalled', count: 100, since: 1000 });
  h = nextTrackHealth(h, sample(101), true, 9000, STALL);
  assert.equal(h, { state: 'receiving', count: 101, since: 9000 });
  // Never received anything: pending turns stalled at the same bound.
  const never = nextTrackHealth({ state: 'pending', count: 0, since: 0 }, undefined, true, STALL, STALL);
  assert.is(never.state, 'stalled');
});

test('a muted track is not receiving, however many frames are decoded (the blank video of issue 21)', () => {
  let h: TrackHealth = { state: 'pending', count: 0, since: 0 };
  h = nextTrackHealth(h, sample(150, true), true, 1000, STALL);
  assert.is(h.state, 'pending');
  h = nextTrackHealth(h, sample(300, true), true, STALL, STALL);
  assert.is(h.state, 'stalled');
  h = nextTrackHealth(h, sample(301, false), true, STALL + 1000, STALL);
  assert.is(h.state, 'receiving');
});

test('expectAgain: a new connection counts from 0 and waits the stall time again, the state kept', () => {
  const stalled: TrackHealth = { state: 'stalled', count: 300, since: 0 };
  let h = expectAgain(stalled, 10_000);
  assert.equal(h, { state: 'stalled', count: 0, since: 10_000 });
  h = nextTrackHealth(h, sample(3), true, 10_500, STALL);
  assert.equal(h, { state: 'receiving', count: 3, since: 10_500 });
  const ended: TrackHealth = { state: 'ended', count: 5, since: 1 };
  assert.is(expectAgain(ended, 10_000), ended);
  // Counts that went down (a connection replaced between two reads) count from the smaller one.
  h = nextTrackHealth({ state: 'receiving', count: 500, since: 0 }, sample(4), true, 1000, STALL);
  assert.equal(h, { state: 'receiving', count: 4, since: 0 });
  assert.is(nextTrackHealth(h, sample(5), true, 1100, STALL).state, 'receiving');
});

test.run();
