/**
 * How speech is told from silence. Levels are linear, 0 to 1 (1 = full scale, 0 dBov), read
 * every `intervalMs`: for remote participants the level their sender writes in each audio
 * packet (RFC 6464, read with `RTCRtpReceiver.getSynchronizationSources()`), for the local one
 * the RMS of its microphone over the last 170 ms (a Web Audio analyser). Speech from a headset
 * reads about 0.02 to 0.4; a quiet room below 0.01.
 *
 * - `threshold` 0.05 (about -26 dBov): a sample at or above it is speech.
 * - `holdMs` 800: a participant is speaking until no sample reached the threshold for that long
 *   (the pauses between words do not count).
 * - `decay` 0.5: `audioLevel` follows a louder sample at once and halves each interval after.
 * - `switchMs` 1,000 (mesh calls): the dominant speaker changes to the loudest speaking
 *   participant once they have been the loudest for that long; silence changes nothing.
 *
 * ```ts
 * const speaking = participant.audioLevel >= SPEECH_DETECTION.threshold;
 * ```
 */
export const SPEECH_DETECTION = Object.freeze({
  /** How often levels are read, in ms: 200. */
  intervalMs: 200,
  /** The level from which a sample is speech: 0.05 (about -26 dBov). */
  threshold: 0.05,
  /** How long speaking lasts after the last sample of speech, in ms: 800. */
  holdMs: 800,
  /** The factor `audioLevel` falls by each interval without a louder sample: 0.5. */
  decay: 0.5,
  /** How long a participant must be the loudest to become the dominant speaker, in ms: 1,000. */
  switchMs: 1000,
});

/** One participant's speech, from its samples. */
export interface Speech {
  /** The smoothed level, two decimals (0 below 0.01). */
  level: number;
  speaking: boolean;
  /** The mean level over about the last second, for the dominant speaker. */
  energy: number;
  /** When a sample last reached the threshold. */
  last: number;
}

/** A participant not heard yet. */
export const silence = (): Speech => ({ level: 0, speaking: false, energy: 0, last: -Infinity });

/**
 * Takes a sample into `s`.
 * @param sample the level now, 0 to 1.
 * @param now a time in ms (any clock).
 */
export function hear(s: Speech, sample: number, now: number): void {
  const level = Math.max(sample, s.level * SPEECH_DETECTION.decay);
  s.level = level < 0.01 ? 0 : Math.round(level * 100) / 100;
  s.energy = s.energy * 0.7 + sample * 0.3;
  if (sample >= SPEECH_DETECTION.threshold) s.last = now;
  s.speaking = now - s.last < SPEECH_DETECTION.holdMs;
}

/** The dominant speaker of a mesh call, and the one who may take over. */
export interface Election {
  current?: string;
  leader?: string;
  since: number;
}

/**
 * Elects the dominant speaker from everyone's speech: the loudest speaking participant (by
 * `energy`) once it has been the loudest for `SPEECH_DETECTION.switchMs`.
 * @returns whether `e.current` changed.
 */
export function elect(e: Election, speech: ReadonlyMap<string, Speech>, now: number): boolean {
  let loudest: string | undefined;
  let top = 0;
  for (const [sessionId, s] of speech) {
    if (s.speaking && s.energy > top) {
      top = s.energy;
      loudest = sessionId;
    }
  }
  if (loudest === undefined || loudest === e.current) {
    e.leader = undefined;
    return false;
  }
  if (loudest !== e.leader) {
    e.leader = loudest;
    e.since = now;
  }
  if (now - e.since < SPEECH_DETECTION.switchMs) return false;
  e.current = loudest;
  e.leader = undefined;
  return true;
}
