import type { RingSound } from '../config/call-config';
import type { PendingCall } from '../store/state-store';

/** The rhythm of the generated tones: on and off times in ms, repeated. */
const RINGTONE = { frequencies: [440, 480], on: 1000, off: 2000 };
const RINGBACK = { frequencies: [440, 480], on: 400, off: 2600 };

interface AudioContextLike {
  readonly currentTime: number;
  createOscillator(): { frequency: { value: number }; connect(node: unknown): unknown; start(when?: number): void; stop(when?: number): void };
  createGain(): { gain: { value: number; setValueAtTime(v: number, t: number): void }; connect(node: unknown): unknown; disconnect(): void };
  readonly destination: unknown;
  resume?(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A tone generated with the Web Audio API (two sine waves, on and off in a rhythm), or
 * nothing where there is no `AudioContext` (Node). The audio context is made at the first
 * `play` and closed at `stop`.
 */
export function generatedTone(pattern: { frequencies: number[]; on: number; off: number }): RingSound {
  let context: AudioContextLike | undefined;
  let gain: ReturnType<AudioContextLike['createGain']> | undefined;
  let timer: ReturnType<typeof setInterval> | undefined;
  const stop = () => {
    clearInterval(timer);
    timer = undefined;
    gain?.disconnect();
    void context?.close().catch(() => {});
    context = undefined;
    gain = undefined;
  };
  return {
    play() {
      const Ctor = (globalThis as { AudioContext?: new () => AudioContextLike }).AudioContext;
      if (!Ctor || context) return;
      context = new Ctor();
      void context.resume?.().catch(() => {}); // browsers may wait for a user gesture: then it stays silent
      gain = context.createGain();
      gain.gain.value = 0;
      gain.connect(context.destination);
      for (const frequency of pattern.frequencies) {
        const osc = context.createOscillator();
        osc.frequency.value = frequency;
        osc.connect(gain);
        osc.start();
      }
      const cycle = () => {
        if (!context || !gain) return;
        const t = context.currentTime;
        gain.gain.setValueAtTime(0.1, t);
        gain.gain.setValueAtTime(0, t + pattern.on / 1000);
      };
      cycle();
      timer = setInterval(cycle, pattern.on + pattern.off);
    },
    stop,
  };
}

/**
 * The sounds of ringing calls, following the store's pending calls: the ringtone while a
 * call rings the user, else the ringback tone while the user's own call rings others,
 * else silence. Stopped for good by `dispose`.
 */
export class RingSounds {
  private playing: RingSound | undefined;

  constructor(
    private readonly ringtone: RingSound = generatedTone(RINGTONE),
    private readonly ringbackTone: RingSound = generatedTone(RINGBACK),
  ) {}

  /** Plays what the ringing calls call for now. */
  follow(calls: readonly PendingCall[]): void {
    const next = calls.some((c) => c.direction === 'incoming') ? this.ringtone : calls.length > 0 ? this.ringbackTone : undefined;
    if (next === this.playing) return;
    this.playing?.stop();
    this.playing = next;
    if (!next) return;
    void Promise.resolve()
      .then(() => (this.playing === next ? next.play() : undefined))
      .catch(() => {}); // a sound that cannot play (autoplay rules) changes nothing else
  }

  /** Stops the sound playing, if any. */
  dispose(): void {
    this.playing?.stop();
    this.playing = undefined;
  }
}
