/**
 * The browser side of the SDK test page (test/helpers/sdk-page.ts): the SDK's universal entry
 * on `window.sdk`, and `SimulatedDevices`, an implementation of the SDK's documented
 * `opts.mediaDevices` seam (`MediaDevicesLike`) over the browser's own devices that can:
 * hide a device as if unplugged (and show it again), make opening a kind fail with a browser
 * error, gate the microphone (silence or speech) through Web Audio, and open cameras small. It also counts the
 * offers of every peer connection made through `opts.RTCPeerConnection` (`CountingPeerConnection`).
 */
import * as sdk from '../../src/index';
import type { MediaDevicesLike } from '../../src/index';

type Listener = () => void;

/** See the module comment. */
export class SimulatedDevices implements MediaDevicesLike {
  private readonly unplugged = new Set<string>();
  private readonly failures = new Map<string, string>();
  private readonly listeners = new Set<Listener>();
  private readonly gates: GainNode[] = [];
  private voice = true;
  /** getUserMedia calls so far. */
  opened = 0;
  private readonly handedOut: MediaStreamTrack[] = [];

  constructor(
    private readonly real: MediaDevices,
    /** Route the microphone through a gain that `speak()` opens and closes. */
    private readonly gated = false,
  ) {
    real.addEventListener('devicechange', () => this.fire());
  }

  async enumerateDevices(): Promise<MediaDeviceInfo[]> {
    return (await this.real.enumerateDevices()).filter((d) => !this.unplugged.has(d.deviceId));
  }

  async getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream> {
    this.opened++;
    for (const [kind, key] of [
      ['videoinput', 'video'],
      ['audioinput', 'audio'],
    ] as const) {
      const wanted = constraints[key];
      if (!wanted) continue;
      const failure = this.failures.get(kind);
      if (failure) throw new DOMException(`simulated ${failure}`, failure);
      const id = typeof wanted === 'object' ? wanted.deviceId : undefined;
      const exact = typeof id === 'object' && id !== null && !Array.isArray(id) ? id.exact : undefined;
      if (typeof exact === 'string' && this.unplugged.has(exact)) throw new DOMException('the device is unplugged', 'OverconstrainedError');
    }
    // Cameras at 320x240 whatever the SDK asks (1280x720): lighter on the test machine's CPU.
    const video = constraints.video;
    const stream = await this.real.getUserMedia(
      video ? { ...constraints, video: { ...(typeof video === 'object' ? video : {}), width: 320, height: 240 } } : constraints,
    );
    if (!this.gated || stream.getAudioTracks().length === 0) {
      this.handedOut.push(...stream.getTracks());
      return stream;
    }
    // Capture is on: an AudioContext made now runs without a user gesture.
    // Rendered to no output device ('none'): the graph runs without an audio device.
    const context = new AudioContext({ sinkId: { type: 'none' } } as AudioContextOptions);
    const gain = context.createGain();
    gain.gain.value = this.voice ? 1 : 0;
    const out = context.createMediaStreamDestination();
    context.createMediaStreamSource(new MediaStream(stream.getAudioTracks())).connect(gain).connect(out);
    this.gates.push(gain);
    const gated = new MediaStream([...stream.getVideoTracks(), ...out.stream.getAudioTracks()]);
    this.handedOut.push(...gated.getTracks());
    return gated;
  }

  getDisplayMedia(options?: DisplayMediaStreamOptions): Promise<MediaStream> {
    return this.real.getDisplayMedia(options);
  }

  addEventListener(_type: 'devicechange', listener: Listener): void {
    this.listeners.add(listener);
  }

  removeEventListener(_type: 'devicechange', listener: Listener): void {
    this.listeners.delete(listener);
  }

  /** Hides a device, as if unplugged, and says so with `devicechange`. */
  unplug(deviceId: string): void {
    this.unplugged.add(deviceId);
    this.fire();
  }

  /** Shows a hidden device again, with `devicechange`. */
  replug(deviceId: string): void {
    this.unplugged.delete(deviceId);
    this.fire();
  }

  /** Makes opening `kind` fail with the DOMException `name` (e.g. `NotAllowedError`); `undefined` stops that. */
  fail(kind: 'videoinput' | 'audioinput', name: string | undefined): void {
    if (name) this.failures.set(kind, name);
    else this.failures.delete(kind);
  }

  /** Opens (speech) or closes (silence) the gate of every microphone opened so far and later. */
  speak(on: boolean): void {
    this.voice = on;
    for (const gain of this.gates) gain.gain.value = on ? 1 : 0;
  }

  /** Tracks handed out by getUserMedia that are still live (the SDK stops what it closes). */
  get liveTracks(): number {
    return this.handedOut.filter((t) => t.readyState === 'live').length;
  }

  /** Listeners of `devicechange` now (the SDK's). */
  get listenerCount(): number {
    return this.listeners.size;
  }

  private fire(): void {
    for (const listener of [...this.listeners]) listener();
  }
}

/** Offers made and taken by every connection of this page. */
export const negotiation = { offers: 0, connections: [] as RTCPeerConnection[] };

/** An `RTCPeerConnection` that counts offers (`opts.RTCPeerConnection`). */
export class CountingPeerConnection extends RTCPeerConnection {
  constructor(configuration?: RTCConfiguration) {
    super(configuration);
    negotiation.connections.push(this);
  }

  override async setLocalDescription(description?: RTCLocalSessionDescriptionInit): Promise<void> {
    await super.setLocalDescription(description);
    if (this.localDescription?.type === 'offer') negotiation.offers++;
  }
}

/** Device preferences in `localStorage` under `key`, as the `DevicePreferences` documentation shows. */
export function storedPreferences(key: string): sdk.DevicePreferences {
  const saved = (): Partial<Record<sdk.DeviceKind, string>> => JSON.parse(localStorage.getItem(key) ?? '{}') as Partial<Record<sdk.DeviceKind, string>>;
  return { get: (kind) => saved()[kind], set: (kind, id) => localStorage.setItem(key, JSON.stringify({ ...saved(), [kind]: id })) };
}

/** What {@link join} takes. */
export interface JoinOptions {
  baseUrl: string;
  userId: string;
  token: string;
  callId: string;
  /** Gate the microphones (`devices.speak()`), default false. */
  gated?: boolean;
  /** The client's `statsIntervalMs` (default 500). */
  statsIntervalMs?: number;
  /** Remember the devices selected in `localStorage` through `opts.devicePreferences` ({@link storedPreferences}), default false. */
  remember?: boolean;
}

/** What a joined page holds: `window.client`, `window.call`, `window.devices`, `window.deviceEvents`. */
export interface Joined {
  client: sdk.StreamVideoClient;
  call: sdk.Call;
  devices: SimulatedDevices;
  deviceEvents: sdk.DeviceEvent[];
}

/** Connects as `userId` with the simulated devices and the counting connections, and joins a `development` call. */
export async function join(o: JoinOptions): Promise<string> {
  const devices = new SimulatedDevices(navigator.mediaDevices, o.gated);
  const client = new sdk.StreamVideoClient('local-key', {
    baseUrl: o.baseUrl,
    mediaDevices: devices,
    RTCPeerConnection: CountingPeerConnection,
    statsIntervalMs: o.statsIntervalMs ?? 500,
    ...(o.remember ? { devicePreferences: storedPreferences('test-devices') } : {}),
  });
  const deviceEvents: sdk.DeviceEvent[] = [];
  await client.connectUser({ id: o.userId, name: o.userId }, o.token);
  client.on('device.changed', (e) => deviceEvents.push(e));
  const call = await client.joinCall(o.callId, 'development');
  // Like an app: every remote microphone plays (in an element of its own, not in the page).
  const playing = new Set<string>();
  client.readOnlyStateStore.remoteParticipants$.subscribe((list) => {
    for (const p of list) if (!playing.has(p.sessionId) && playing.add(p.sessionId)) call.bindAudioElement(new Audio(), p.sessionId);
  });
  Object.assign(window, { client, call, devices, deviceEvents } satisfies Joined);
  return call.sessionId;
}

/** Resolves with a device list once it holds `n` devices with ids (access granted, read). */
export function listed(
  list: { get(): readonly sdk.DeviceInfo[]; listen(cb: (v: readonly sdk.DeviceInfo[]) => void): () => void },
  n: number,
): Promise<readonly sdk.DeviceInfo[]> {
  return new Promise((resolve) => {
    const check = (devices: readonly sdk.DeviceInfo[]) => devices.filter((d) => d.deviceId).length >= n && (stop?.(), resolve(devices));
    const stop: (() => void) | undefined = list.listen(check);
    check(list.get());
  });
}

declare global {
  interface Window extends Partial<Joined> {
    sdk: typeof sdk;
    SimulatedDevices: typeof SimulatedDevices;
    CountingPeerConnection: typeof CountingPeerConnection;
    negotiation: typeof negotiation;
    join: typeof join;
    listed: typeof listed;
  }
}

Object.assign(window, { sdk, SimulatedDevices, CountingPeerConnection, negotiation, join, listed });
document.body.dataset.ready = 'true';
