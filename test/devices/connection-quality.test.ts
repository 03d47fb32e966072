/**
 * The rating of connection quality (src/devices/connection-quality.ts): each measure against
 * its documented thresholds, the worst one winning, and `unknown` when nothing was measured.
 * (Ratings from real statistics in Chromium: test/browser/devices.test.ts.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { QUALITY_THRESHOLDS, rateConnection, worse } from '../../src/devices/connection-quality';

const test = suite('connection quality');

test('each measure rates excellent below its first threshold, good below its second, poor from it', () => {
  for (const [measure, limits] of Object.entries(QUALITY_THRESHOLDS)) {
    const at = (value: number) => rateConnection({ [measure]: value });
    assert.equal(
      [at(0), at(limits.excellent * 0.99), at(limits.excellent), at(limits.good * 0.99), at(limits.good), at(limits.good * 10)],
      ['excellent', 'excellent', 'good', 'good', 'poor', 'poor'],
    );
  }
  assert.equal(QUALITY_THRESHOLDS, { loss: { excellent: 0.02, good: 0.1 }, rttMs: { excellent: 150, good: 400 }, jitterMs: { excellent: 30, good: 100 } });
});

test('media and connection state: stalled or not connected is poor, frozen or limited at best good', () => {
  assert.is(rateConnection({ media: 'flowing', connected: true }), 'excellent');
  assert.is(rateConnection({ media: 'limited' }), 'good');
  assert.is(rateConnection({ media: 'frozen' }), 'good');
  assert.is(rateConnection({ media: 'stalled' }), 'poor');
  assert.is(rateConnection({ connected: false, rttMs: 1 }), 'poor');
});

test('the worst measure wins; nothing measured is unknown', () => {
  assert.is(rateConnection({ loss: 0, rttMs: 20, jitterMs: 45 }), 'good');
  assert.is(rateConnection({ loss: 0.15, rttMs: 20, jitterMs: 1 }), 'poor');
  assert.is(rateConnection({}), 'unknown');
  assert.is(rateConnection({ loss: undefined, rttMs: undefined }), 'unknown');
});

test('worse: the lower rating; unknown yields to a measured one', () => {
  assert.is(worse(undefined, 'good'), 'good');
  assert.is(worse('unknown', 'poor'), 'poor');
  assert.is(worse('excellent', 'unknown'), 'excellent');
  assert.is(worse('excellent', 'good'), 'good');
  assert.is(worse('poor', 'excellent'), 'poor');
});

test.run();
