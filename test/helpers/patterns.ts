/**
 * Media with a known content for tests that check what was recorded: a camera of one solid
 * colour and a microphone of one tone, made in Node with `@roamhq/wrtc`'s sources, and the
 * colour a decoded pixel shows.
 *
 * ```ts
 * const camera = colorCamera('red');
 * const microphone = toneMicrophone(440);
 * await call.publishVideoStream(camera.stream);
 * await call.publishAudioStream(microphone.stream);
 * camera.stop(); microphone.stop();
 * ```
 */
import wrtc from '@roamhq/wrtc';

/** The colours, as a camera sends them (BT.601 YUV) and as a decoded frame shows them (RGB). */
export const COLORS = {
  red: { yuv: [81, 90, 240], rgb: [255, 0, 0] },
  green: { yuv: [145, 54, 34], rgb: [0, 255, 0] },
  blue: { yuv: [41, 240, 110], rgb: [0, 0, 255] },
} as const;

/** A colour of {@link COLORS}. */
export type PatternColor = keyof typeof COLORS;

/** A track made in Node and the stream holding it; `stop()` ends both and the source's timer. */
export interface SyntheticSource {
  readonly stream: MediaStream;
  stop(): void;
}

/** A camera of `width` x `height` frames of one colour at `fps`. */
export function colorCamera(color: PatternColor, width = 320, height = 240, fps = 15): SyntheticSource {
  const source = new wrtc.nonstandard.RTCVideoSource();
  const track = source.createTrack();
  const data = new Uint8Array(width * height * 1.5);
  const [y, u, v] = COLORS[color].yuv;
  data.fill(y, 0, width * height);
  data.fill(u, width * height, width * height * 1.25);
  data.fill(v, width * height * 1.25);
  const timer = setInterval(() => source.onFrame({ width, height, data }), 1000 / fps);
  return { stream: new wrtc.MediaStream([track]), stop: () => (clearInterval(timer), track.stop()) };
}

/** A microphone playing a sine of `hz` (48 kHz, mono, a quarter of full scale). */
export function toneMicrophone(hz: number): SyntheticSource {
  const source = new wrtc.nonstandard.RTCAudioSource();
  const track = source.createTrack();
  const sampleRate = 48_000;
  const frames = sampleRate / 100; // 10 ms per push
  let n = 0;
  const timer = setInterval(() => {
    const samples = new Int16Array(frames);
    for (let k = 0; k < frames; k++, n++) samples[k] = Math.round(8192 * Math.sin((2 * Math.PI * hz * n) / sampleRate));
    source.onData({ samples, sampleRate });
  }, 10);
  return { stream: new wrtc.MediaStream([track]), stop: () => (clearInterval(timer), track.stop()) };
}

/** The colour of {@link COLORS} an RGB pixel shows (each channel within 80 of it), or undefined (black, or a mix). */
export function colorOf(r: number, g: number, b: number): PatternColor | undefined {
  for (const [name, { rgb }] of Object.entries(COLORS) as [PatternColor, (typeof COLORS)[PatternColor]][]) {
    if (Math.abs(r - rgb[0]) < 80 && Math.abs(g - rgb[1]) < 80 && Math.abs(b - rgb[2]) < 80) return name;
  }
  return undefined;
}
