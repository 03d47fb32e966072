/**
 * A WAV of speech then silence, for Chromium's fake microphone
 * (`--use-file-for-fake-audio-capture`, which plays it in a loop): Debian's `espeak-ng` speaks
 * a sentence (about 3.5 s), `sox` resamples it to 48 kHz mono and pads 2 s of silence after it.
 * scripts/test.sh installs both when they are missing (`apt-get install espeak-ng sox`).
 *
 * ```ts
 * const wav = speechWav(); // test-results/audio/speech.wav
 * ```
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from './browser';

/** Seconds of silence after the speech. */
export const SILENCE_SECONDS = 2;

/** Writes the WAV (again) and returns its path. */
export function speechWav(): string {
  const dir = join(ROOT, 'test-results', 'audio');
  mkdirSync(dir, { recursive: true });
  const spoken = join(dir, 'spoken.wav');
  const wav = join(dir, 'speech.wav');
  try {
    execFileSync('espeak-ng', ['-w', spoken, 'Hello, this is alice speaking. One, two, three.'], { stdio: 'pipe' });
    execFileSync('sox', [spoken, '-r', '48000', '-c', '1', '-b', '16', wav, 'pad', '0', String(SILENCE_SECONDS)], { stdio: 'pipe' });
  } catch (err) {
    const missing = (err as NodeJS.ErrnoException).code === 'ENOENT';
    throw new Error(
      missing
        ? 'espeak-ng or sox is missing: the speaking test needs them (apt-get install espeak-ng sox; scripts/test.sh installs them)'
        : `could not make the speech WAV: ${String(err)}`,
      { cause: err },
    );
  }
  return wav;
}
