/** The recording options: their defaults, and a RangeError for a value out of range. */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DEFAULT_RECORDINGS_MAX_BYTES, resolveRecordingOptions } from '../../../src/testing/recording/recording-options';

test('options: the defaults, and a RangeError for an option out of range', () => {
  const o = resolveRecordingOptions();
  assert.equal(
    [o.folder, o.maxBytes, o.maxConcurrent, o.processTimeoutMs, o.urlTtlMs, o.width, o.height, o.frameRate, o.janusPpRec, o.ffmpeg],
    [undefined, DEFAULT_RECORDINGS_MAX_BYTES, 1, 600_000, 3_600_000, 1280, 720, 15, 'janus-pp-rec', 'ffmpeg'],
  );
  const bad: object[] = [
    { maxBytes: 1000 },
    { maxConcurrent: 0 },
    { processTimeoutMs: 10 },
    { urlTtlMs: 1.5 },
    { width: 641 },
    { height: 100 },
    { frameRate: 61 },
    { folder: '' },
    { ffmpeg: 3 },
  ];
  for (const options of bad) assert.throws(() => resolveRecordingOptions(options), RangeError, JSON.stringify(options));
});

test.run();
