/** A kind of device: a camera, a microphone, or a speaker (an audio output). */
export type DeviceKind = 'videoinput' | 'audioinput' | 'audiooutput';

/**
 * A device as `listDevices()` lists it: plain data copied from the browser's `MediaDeviceInfo`.
 * Before the user has granted access, browsers give empty ids and labels.
 */
export interface DeviceInfo {
  /** The id to pass to `select()`; `default` is the system's default device (audio, in Chromium). */
  readonly deviceId: string;
  /** `videoinput`, `audioinput` or `audiooutput`. */
  readonly kind: DeviceKind;
  /** The name the system gives the device, e.g. `FaceTime HD Camera`. */
  readonly label: string;
  /** Devices of one piece of hardware (a headset's microphone and speaker) share it. */
  readonly groupId: string;
}

/**
 * The part of `navigator.mediaDevices` the SDK uses; `opts.mediaDevices` takes any object with
 * these members (default: the browser's `navigator.mediaDevices`). It is the seam for apps that
 * route capture through their own code (a virtual background, an audio processor) and for tests
 * that simulate devices being plugged and unplugged.
 *
 * Contract: `enumerateDevices` must list what `getUserMedia` can open, and a `devicechange`
 * event must follow any change of that list (the SDK reads the list again then). Errors must
 * be the browser's (`DOMException` names `NotAllowedError`, `NotFoundError`, `NotReadableError`,
 * `OverconstrainedError`): the SDK turns them into typed errors.
 *
 * ```ts
 * const client = new StreamVideoClient(apiKey, { mediaDevices: myProcessedDevices });
 * ```
 */
export interface MediaDevicesLike {
  /** Opens devices as `navigator.mediaDevices.getUserMedia` does (the SDK asks one kind at a time, by `deviceId: { exact }`). */
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  /** Screen capture (`screenShare.enable()`); without it, screen sharing is `unsupported`. */
  getDisplayMedia?(options?: DisplayMediaStreamOptions): Promise<MediaStream>;
  /** Lists the devices, as `navigator.mediaDevices.enumerateDevices` does. */
  enumerateDevices(): Promise<readonly Pick<MediaDeviceInfo, 'deviceId' | 'kind' | 'label' | 'groupId'>[]>;
  /** Adds the SDK's `devicechange` listener (one per joined call). */
  addEventListener(type: 'devicechange', listener: () => void): void;
  /** Removes it, when the call ends. */
  removeEventListener(type: 'devicechange', listener: () => void): void;
}

/**
 * Where the devices a user chose are remembered (`opts.devicePreferences`). The SDK reads the
 * preference when a device is enabled and when devices change (a preferred device plugged back
 * in is taken again), and writes it on each `select()`. The default keeps them in memory for the
 * client's life; to keep them across visits, store them, e.g. in `localStorage`:
 *
 * ```ts
 * const saved = () => JSON.parse(localStorage.getItem('devices') ?? '{}');
 * const devicePreferences = { get: (kind) => saved()[kind], set: (kind, id) => localStorage.setItem('devices', JSON.stringify({ ...saved(), [kind]: id })) };
 * const client = new StreamVideoClient(apiKey, { devicePreferences });
 * ```
 */
export interface DevicePreferences {
  /** The device chosen last of `kind`, or `undefined` for the default one. Should not throw. */
  get(kind: DeviceKind): string | undefined;
  /** Remembers the device chosen of `kind` (`undefined`: the default one). Should not throw. */
  set(kind: DeviceKind, deviceId: string | undefined): void;
}

/** Device preferences in memory: the default of `opts.devicePreferences`. */
export function memoryDevicePreferences(): DevicePreferences {
  const chosen = new Map<DeviceKind, string | undefined>();
  return { get: (kind) => chosen.get(kind), set: (kind, id) => void chosen.set(kind, id) };
}
