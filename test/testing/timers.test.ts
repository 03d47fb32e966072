/**
 * The coordinator's timers (src/testing/timers.ts): `close()` clears every pending timer,
 * rejects pending delays with `unavailable`, and nothing starts afterwards.
 */
import * as assert from 'uvu/assert';
import { TimerSet } from '../../src/testing/timers';
import { TwirpError } from '../../src/testing/twirp/twirp-error';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);

const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

test('a delay resolves; a timer runs once; a cancelled one never', async () => {
  const timers = new TimerSet();
  await timers.delay(1);
  const ran: string[] = [];
  const cancelled = timers.later(1, () => ran.push('cancelled'));
  cancelled.cancel();
  cancelled.cancel();
  await new Promise<void>((resolve) =>
    timers.later(1, () => {
      ran.push('kept');
      resolve();
    }),
  );
  assert.equal(ran, ['kept']);
  assert.is(timers.size, 0);
});

test('close() clears every pending timer and rejects pending delays with unavailable', async () => {
  const before = timeouts();
  const timers = new TimerSet();
  const ran: string[] = [];
  const delays = [timers.delay(60_000), timers.delay(60_000)];
  timers.later(60_000, () => ran.push('later'));
  assert.is(timers.size, 3);
  assert.is(timeouts(), before + 3);
  timers.close();
  assert.is(timers.size, 0);
  assert.is(timeouts(), before);
  for (const d of delays) {
    const err = await d.then(
      () => undefined,
      (e: unknown) => e,
    );
    assert.instance(err, TwirpError);
    assert.is((err as TwirpError).code, 'unavailable');
  }
  // after close, nothing starts
  const late = await timers.delay(1).then(
    () => 'resolved',
    (e: unknown) => (e as TwirpError).code,
  );
  assert.is(late, 'unavailable');
  timers.later(1, () => ran.push('after close'));
  assert.is(timers.size, 0);
  assert.is(timeouts(), before);
  assert.equal(ran, []);
});

test.run();
