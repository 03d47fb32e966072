/**
 * Helpers for tests whose media goes through the local coordinator's Janus (issue 27).
 *
 * Janus gathers no loopback candidate, so its media runs inside the test run's own network
 * namespace (lo and a veth pair, `v0` 10.255.0.1: `npm test` makes it, see CONTRIBUTING.md):
 * {@link inSfuNetwork} gives the interface Janus must use there, and re-runs a file started
 * alone outside it inside a namespace of its own, so that no media ever leaves the machine.
 *
 * Node peers stand in for browsers: {@link nodePeer} is a `StreamVideoClient` on
 * `@roamhq/wrtc`'s `RTCPeerConnection` (the SFU path negotiates with explicit offers and
 * answers, which it supports as it is), and {@link syntheticCamera} a video track made of
 * frames pushed from Node.
 *
 * ```ts
 * const iceInterface = inSfuNetwork(import.meta.filename);
 * if (!iceInterface) process.exit(await rerunInNamespace(import.meta.filename));
 * const h = await Harness.start({ sfu: { iceInterface } });
 * const alice = await nodePeer(h, 'alice');
 * const camera = syntheticCamera(320, 180);
 * ```
 */
import { spawn } from 'node:child_process';
import wrtc from '@roamhq/wrtc';
import { CALL_CONFIG, StreamVideoClient, type RTCPeerConnectionConstructor, type StreamClientOptions } from '../../src/index-node';
import type { LocalCoordinator } from '../../src/testing';

/** The interface the test run's namespace gives media (`TEST_NETNS_INTERFACE`), or undefined outside one. */
export function sfuInterface(): string | undefined {
  return process.env.TEST_NETNS_INTERFACE || undefined;
}

/**
 * Runs `file` again inside a network namespace of its own (lo, and `v0` 10.255.0.1 with its
 * veth peer), as `npm test` runs every file, and resolves with its exit code. Needs root,
 * `unshare` and `ip`: without them it rejects, since SFU media must not leave the machine.
 */
export function rerunInNamespace(file: string): Promise<number> {
  const setup = [
    'set -e',
    'ip link set lo up',
    'ip link add v0 type veth peer name v1',
    'ip addr add 10.255.0.1/24 dev v0',
    'ip link set v0 up',
    'ip link set v1 up',
    'export TEST_NETNS_INTERFACE=v0 TEST_NETNS_ADDRESS=10.255.0.1',
    'exec "$0" --import tsx "$1"',
  ].join('; ');
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'bash', '-c', setup, process.execPath, file], { stdio: 'inherit' });
    child.once('error', (err) => reject(new Error(`SFU tests run in a network namespace of their own, and unshare failed: ${err.message}`)));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

// The SDK makes one MediaStream per remote track; Node has no MediaStream of its own.
(globalThis as { MediaStream?: unknown }).MediaStream ??= wrtc.MediaStream;

// @roamhq/wrtc 0.10 crashes (SIGSEGV, or a V8 "node->IsInUse()" check) when Node frees its
// native objects while tearing the process down, after every test has run and uvu has
// reported. Exiting once the event loop is empty skips that teardown and keeps uvu's exit code.
process.once('beforeExit', () => process.exit());

/** `@roamhq/wrtc`'s `RTCPeerConnection` as the SDK takes it. */
export const NodeRTCPeerConnection: RTCPeerConnectionConstructor = wrtc.RTCPeerConnection;

/** An `RTCPeerConnection` constructor that counts the connections made with it, and those not closed. */
export function countingPeerConnection(): { Ctor: RTCPeerConnectionConstructor; made: () => number; open: () => number } {
  const made: RTCPeerConnection[] = [];
  class Counted extends wrtc.RTCPeerConnection {
    constructor(config?: RTCConfiguration) {
      super(config);
      made.push(this);
    }
  }
  return {
    Ctor: Counted,
    made: () => made.length,
    open: () => made.filter((pc) => pc.connectionState !== 'closed').length,
  };
}

/** A client connected as `userId` with Node WebRTC (stats off unless asked), pointed at `coordinator`. */
export async function nodePeer(coordinator: LocalCoordinator, userId: string, opts: StreamClientOptions = {}): Promise<StreamVideoClient> {
  const client = new StreamVideoClient(
    coordinator.apiKey,
    { baseUrl: coordinator.baseUrl, logger: () => {}, RTCPeerConnection: NodeRTCPeerConnection, statsIntervalMs: 0, ...opts },
    CALL_CONFIG.ring,
  );
  await client.connectUser({ id: userId, name: userId }, () => coordinator.createToken(userId));
  return client;
}

/** A camera made in Node: a video track and the stream holding it; `stop()` ends both. */
export interface SyntheticCamera {
  readonly stream: MediaStream;
  stop(): void;
}

/**
 * A video track of `width` x `height` frames at `fps`: vertical bars scrolling sideways, a
 * picture that costs the encoder about the same every frame (a steady bitrate, unlike a still
 * picture or noise). 10 frames a second by default, as the pages' fake cameras
 * (FAKE_CAMERA_FPS): the tests count frames, bytes and layers, never smoothness.
 */
export function syntheticCamera(width = 320, height = 180, fps = 10): SyntheticCamera {
  const source = new wrtc.nonstandard.RTCVideoSource();
  const track = source.createTrack();
  const data = new Uint8Array(width * height * 1.5);
  data.fill(128, width * height); // neutral chroma
  let n = 0;
  const timer = setInterval(() => {
    const shift = (n++ * 4) % width;
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) data[row + x] = ((x + shift) & 32) === 0 ? 40 : 210;
    }
    source.onFrame({ width, height, data });
  }, 1000 / fps);
  const stream = new wrtc.MediaStream([track]);
  return {
    stream,
    stop: () => {
      clearInterval(timer);
      track.stop();
    },
  };
}

/** Safety bound of a media wait (ICE, the SFU's first offer, the first decoded frames on a busy machine), in ms. */
export const MEDIA_WAIT_MS = 20_000;

/**
 * Resolves with `read()`'s value once `ok` holds for it, reading every `everyMs`; rejects with
 * the last value after the safety bound (for values with no event to wait on: media stats).
 */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, what: string, everyMs = 100, ms = MEDIA_WAIT_MS): Promise<T> {
  const deadline = Date.now() + ms;
  let last = await read();
  while (!ok(last)) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms: ${what} (last: ${JSON.stringify(last)})`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
    last = await read();
  }
  return last;
}

/**
 * Resolves once `read()` stops growing: the same value `samples` reads in a row, `everyMs`
 * apart (bytes or frames that no longer arrive). Returns that value.
 */
export function stopsGrowing(read: () => Promise<number>, what: string, samples = 5, everyMs = 300): Promise<number> {
  let previous = Number.NaN;
  let same = 0;
  return eventually(
    async () => {
      const now = await read();
      same = now === previous ? same + 1 : 0;
      previous = now;
      return same;
    },
    (n) => n >= samples,
    what,
    everyMs,
  ).then(() => previous);
}
