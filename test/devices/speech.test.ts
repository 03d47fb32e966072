/**
 * Speech detection and the election of the dominant speaker (src/devices/speech.ts), on
 * samples fed by hand at the measuring interval: the threshold, the hold across pauses, the
 * level's decay, and the dominant speaker's switch after a second of being the loudest.
 * (Real speech in Chromium: test/browser/speaking.test.ts.)
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { elect, hear, silence, SPEECH_DETECTION, type Election, type Speech } from '../../src/devices/speech';

const STEP = SPEECH_DETECTION.intervalMs;
const test = suite('speech');

test('a sample at the threshold is speech; below it, silence', () => {
  const loud = silence();
  hear(loud, SPEECH_DETECTION.threshold, 0);
  assert.equal([loud.speaking, loud.level], [true, 0.05]);
  const quiet = silence();
  hear(quiet, SPEECH_DETECTION.threshold - 0.001, 0);
  assert.equal([quiet.speaking, quiet.level], [false, 0.05]);
});

test('speaking holds across a pause shorter than holdMs, and ends after it; the level decays by half each step', () => {
  const s = silence();
  hear(s, 0.4, 0);
  const trace: [number, boolean, number][] = [];
  for (let t = STEP; t <= 1400; t += STEP) {
    hear(s, 0, t);
    trace.push([t, s.speaking, s.level]);
  }
  assert.equal(trace, [
    [200, true, 0.2],
    [400, true, 0.1],
    [600, true, 0.05],
    [800, false, 0.03], // holdMs 800 passed since the last speech
    [1000, false, 0.02], // halves of the rounded level, rounded
    [1200, false, 0.01],
    [1400, false, 0], // below 0.01: 0
  ]);
});

test('levels are rounded to two decimals and never exceed the loudest sample', () => {
  const s = silence();
  hear(s, 0.123456, 0);
  assert.is(s.level, 0.12);
  hear(s, 1, STEP);
  assert.is(s.level, 1);
});

/** Feeds `levels` (session -> sample) for `ms`, a step at a time; returns the dominant speaker after each step that changed it. */
function run(e: Election, speech: Map<string, Speech>, levels: Record<string, number>, from: number, ms: number): [number, string | undefined][] {
  const changes: [number, string | undefined][] = [];
  for (let t = from; t < from + ms; t += STEP) {
    for (const [id, sample] of Object.entries(levels)) {
      if (!speech.has(id)) speech.set(id, silence());
      hear(speech.get(id)!, sample, t);
    }
    if (elect(e, speech, t)) changes.push([t, e.current]);
  }
  return changes;
}

test('the loudest speaking participant becomes dominant after switchMs; silence changes nothing', () => {
  const e: Election = { since: 0 };
  const speech = new Map<string, Speech>();
  assert.equal(run(e, speech, { alice: 0.3, bob: 0 }, 0, 1400), [[1000, 'alice']]);
  assert.equal(run(e, speech, { alice: 0, bob: 0 }, 1400, 3000), [], 'silence keeps alice');
  assert.equal(run(e, speech, { alice: 0, bob: 0.2 }, 4400, 1400), [[5400, 'bob']]);
  // A louder voice over the dominant one for less than switchMs does not take over.
  assert.equal(run(e, speech, { alice: 0.5, bob: 0.2 }, 5800, 600), []);
  assert.equal(run(e, speech, { alice: 0, bob: 0.2 }, 6400, 2000), [], 'bob kept it');
});

test.run();
