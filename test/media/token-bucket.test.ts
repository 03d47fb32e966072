/** TokenBucket (src/media/token-bucket.ts): a burst, then one token per refill period; time passed in. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TokenBucket } from '../../src/media/token-bucket';

test('a full burst, then one per refill period, never more than the capacity', () => {
  const bucket = new TokenBucket(3, 1000, 0);
  assert.equal([bucket.take(1, 0), bucket.take(1, 0), bucket.take(1, 0), bucket.take(1, 0)], [true, true, true, false]);
  assert.is(bucket.waitMs(1, 0), 1000);
  assert.is(bucket.take(1, 999), false);
  assert.is(bucket.take(1, 1000), true);
  assert.is(bucket.available(100_000), 3, 'capped at the capacity');
  assert.is(bucket.take(4, 100_000), false, 'more than there is takes nothing');
  assert.is(bucket.available(100_000), 3);
  assert.is(bucket.take(3, 100_000), true);
  assert.is(bucket.waitMs(2, 100_000), 2000);
  // A clock that goes back adds nothing.
  assert.is(bucket.available(50_000), 0);
  assert.is(bucket.take(1, 100_999), false);
});

test.run();
