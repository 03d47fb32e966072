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
 */
export const SPEECH_DETECTION = Object.freeze({ intervalMs: 200, threshold: 0.05, holdMs: 800, decay: 0.5, switchMs: 1000 });

/** One participant's level and speaking state, from its samples. */
export class SpeechDetector {
  /** The smoothed level, two decimals (0 below 0.01). */
  level = 0;
  speaking = false;
  /** The mean level over about the last second, for the dominant speaker. */
  energy = 0;
  private lastSpeech = -Infinity;

  /**
   * Takes a sample.
   * @param sample the level now, 0 to 1.
   * @param now a time in ms (any clock).
   */
  update(sample: number, now: number): void {
    const level = Math.max(sample, this.level * SPEECH_DETECTION.decay);
    this.level = level < 0.01 ? 0 : Math.round(level * 100) / 100;
    this.energy = this.energy * 0.7 + sample * 0.3;
    if (sample >= SPEECH_DETECTION.threshold) this.lastSpeech = now;
    this.speaking = now - this.lastSpeech < SPEECH_DETECTION.holdMs;
  }
}

/**
 * Elects the dominant speaker of a mesh call from the participants' detectors: the loudest
 * speaking participant (by `energy`) once it has been the loudest for `SPEECH_DETECTION.switchMs`.
 */
export class DominantSpeakerElector {
  /** The dominant speaker's session. */
  current: string | undefined;
  private leader: string | undefined;
  private since = 0;

  /**
   * Takes the detectors after a round of samples.
   * @returns whether `current` changed.
   */
  update(detectors: ReadonlyMap<string, SpeechDetector>, now: number): boolean {
    let loudest: string | undefined;
    let top = 0;
    for (const [sessionId, d] of detectors) {
      if (d.speaking && d.energy > top) {
        top = d.energy;
        loudest = sessionId;
      }
    }
    if (loudest === undefined || loudest === this.current) {
      this.leader = undefined;
      return false;
    }
    if (loudest !== this.leader) {
      this.leader = loudest;
      this.since = now;
    }
    if (now - this.since < SPEECH_DETECTION.switchMs) return false;
    this.current = loudest;
    this.leader = undefined;
    return true;
  }
}
