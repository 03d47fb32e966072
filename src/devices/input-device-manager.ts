import { atom, batch, type ReadableAtom, type WritableAtom } from 'nanostores';
import { StreamVideoError } from '../errors/stream-video-error';
import type { PublishableTrackType } from '../media/track-type';
import { readOnly } from '../store/read-only';
import { toDeviceError } from './device-errors';
import type { DeviceHost } from './device-host';
import type { DeviceInfo } from './media-devices';

/** Whether a device is on (`enabled`: open and published) or off. */
export type DeviceStatus = 'enabled' | 'disabled';

/**
 * The state of a camera or microphone manager, as read-only atoms (`.get()` reads the value now).
 *
 * ```ts
 * call.camera.state.status$.subscribe((status) => (button.textContent = status === 'enabled' ? 'Stop camera' : 'Start camera'));
 * ```
 */
export interface InputDeviceState {
  /** `enabled` while the device is open and published, `disabled` otherwise (the default). */
  readonly status$: ReadableAtom<DeviceStatus>;
  /** The device in use (or to use at the next `enable()`); `undefined`: the default one. */
  readonly selectedDevice$: ReadableAtom<string | undefined>;
}

/**
 * What the camera and the microphone managers share: open the device and publish it, stop it,
 * switch devices while it is published (`replaceTrack`: no renegotiation), and follow the
 * devices plugged and unplugged. Operations run one at a time, in call order.
 *
 * ```ts
 * await call.microphone.toggle();
 * call.microphone.listDevices().subscribe((mics) => renderPicker(mics));
 * ```
 */
export interface InputDeviceManager {
  /** `videoinput` (camera) or `audioinput` (microphone). */
  readonly kind: 'videoinput' | 'audioinput';
  /** The state, read-only. */
  readonly state: InputDeviceState;
  /**
   * The devices of this kind, refreshed when devices are plugged or unplugged. Labels and ids
   * are empty until the user has granted access to one.
   */
  listDevices(): ReadableAtom<readonly DeviceInfo[]>;
  /**
   * Opens the selected device (or the remembered one, or the default) and publishes it. Does
   * nothing when enabled.
   * @throws StreamVideoError `permission_denied` (the capability, or the user refused the
   *   device: `meta.reason = 'device_permission'`), `not_found` (no such device:
   *   `device_not_found`), `failed_precondition` (`device_in_use`, or the call was left),
   *   `unsupported` (no media devices or WebRTC here), and what publishing throws.
   */
  enable(): Promise<void>;
  /** Stops publishing and closes the device. Does nothing when disabled. */
  disable(): Promise<void>;
  /** `enable()` when disabled, `disable()` when enabled. */
  toggle(): Promise<void>;
  /**
   * Selects a device (`undefined`: the default one) and remembers it as the preferred one. While
   * enabled, the published track is swapped for one of the new device without renegotiating.
   * @param deviceId a `deviceId` from `listDevices()`.
   * @throws StreamVideoError `invalid_argument` (not a device id), and what `enable()` throws.
   */
  select(deviceId: string | undefined): Promise<void>;
}

/** What a kind of input device is: its kind, the track it publishes, the capability it needs. */
export interface InputDeviceSpec {
  readonly kind: 'videoinput' | 'audioinput';
  readonly type: PublishableTrackType;
  readonly capability: string;
  /** `camera` or `microphone`, for errors (`camera.enable`). */
  readonly name: string;
  /** Constraints besides the device id (a camera's size and facing mode). */
  constraints?(deviceId: string | undefined): MediaTrackConstraints;
}

/** The manager with what the call and the camera and microphone managers use of it. */
export interface InputDevice extends InputDeviceManager {
  /** Its state, writable. */
  readonly status$: WritableAtom<DeviceStatus>;
  readonly selected$: WritableAtom<string | undefined>;
  /** After devices changed: falls back, takes back, reopens; tells `device.changed`. */
  reconcile(list: readonly DeviceInfo[]): void;
  /** Ends with the call: the device is closed (its track was stopped with the call's media). */
  dispose(): void;
  /** Whether the call ended. */
  disposed(): boolean;
  /** Opens a device of this kind (or the default one); the track is the caller's. */
  open(method: string, deviceId: string | undefined): Promise<MediaStreamTrack>;
  /** Remembers `deviceId` as the user's choice. */
  prefer(deviceId: string | undefined): void;
}

/**
 * What a new device list means for a manager: the device in use was `lost` (it was in the
 * last list and is not in this one), or the preferred one is `back` (it is in this list and was
 * not in the last one). Only changes count: a device the list never showed (a processed track
 * from `opts.mediaDevices`) is never lost, and a preference is taken once when it appears.
 */
export function changes(
  known: readonly string[],
  ids: readonly string[],
  current: string | undefined,
  preferred: string | undefined,
): { lost: boolean; back: boolean } {
  return {
    lost: current !== undefined && known.includes(current) && !ids.includes(current),
    back: preferred !== undefined && preferred !== current && ids.includes(preferred) && !known.includes(preferred),
  };
}

/** Checks a device id argument: a non-empty string, or `undefined` for the default device. */
export function checkDeviceId(method: string, deviceId: unknown): void {
  if (deviceId !== undefined && (typeof deviceId !== 'string' || !deviceId))
    throw StreamVideoError.invalidArgument(method, 'deviceId', 'must be a device id or undefined');
}

/** Makes the manager of one kind of input device of a call. */
export function createInputDevice(host: DeviceHost, spec: InputDeviceSpec): InputDevice {
  const { kind, name } = spec;
  const status$ = atom<DeviceStatus>('disabled');
  const selected$ = atom<string | undefined>(undefined);
  /** The device the user chose last (`select`), from the preferences at first. */
  let preferred = host.preferences.get(kind);
  /** The devices of this kind in the last list. */
  let known: readonly string[] = [];
  /** The published track, while enabled. */
  let track: MediaStreamTrack | undefined;
  let ops: Promise<unknown> = Promise.resolve();
  /** Operations queued or running: the track may be replaced meanwhile. */
  let busy = 0;
  let disposed = false;

  const off = () => {
    track = undefined;
    status$.set('disabled');
  };
  /** An operation ended: with none left, a track that ended meanwhile turns the device off. */
  const settle = (done = 1) => {
    if ((busy -= done) === 0 && track?.readyState === 'ended') off();
  };
  const serialize = (op: string, work: (method: string) => Promise<void>): Promise<void> => {
    const run = () => work(`${name}.${op}`);
    busy++;
    const result = ops.then(run, run).finally(() => settle());
    ops = result.catch(() => {});
    return result;
  };
  const prefer = (deviceId: string | undefined) => {
    preferred = deviceId;
    host.preferences.set(kind, deviceId);
  };

  const open = async (method: string, deviceId: string | undefined): Promise<MediaStreamTrack> => {
    const devices = host.devices;
    if (!devices) throw new StreamVideoError('unsupported', 'no mediaDevices: pass opts.mediaDevices', { method });
    const video = kind === 'videoinput';
    let stream: MediaStream;
    try {
      stream = await devices.getUserMedia({
        [video ? 'video' : 'audio']: { ...(deviceId === undefined ? {} : { deviceId: { exact: deviceId } }), ...spec.constraints?.(deviceId) },
      });
    } catch (err) {
      throw toDeviceError(err, method, kind);
    }
    const [opened, ...rest] = video ? stream.getVideoTracks() : stream.getAudioTracks();
    for (const extra of rest) extra.stop();
    if (!opened || disposed) {
      opened?.stop();
      throw opened ? new StreamVideoError('failed_precondition', 'the call was left', { method }) : toDeviceError({ name: 'NotFoundError' }, method, kind);
    }
    // Follow plugs and unplugs from now on; labels appear once access is granted.
    host.list.start();
    void host.list.refresh();
    return opened;
  };

  /** Opens `deviceId` (or the default device) and publishes it (replacing the published track), then follows its end. */
  const start = async (method: string, deviceId: string | undefined): Promise<void> => {
    host.check(method, spec.capability);
    const opened = await open(method, deviceId);
    try {
      await host.publish(spec.type, new MediaStream([opened]), method);
    } catch (err) {
      opened.stop();
      throw err;
    }
    track = opened;
    // Unplugged or taken by the system: reopen (another device if this one is gone).
    opened.addEventListener('ended', () => {
      if (track !== opened || disposed) return;
      busy++;
      void host.list.refresh().finally(() => settle());
    });
    // The device opened, when the list shows it (a processed track from opts.mediaDevices
    // reports an id of its own, which opens nothing).
    const id = opened.getSettings().deviceId;
    batch(() => {
      status$.set('enabled');
      selected$.set(id && known.includes(id) ? id : deviceId);
    });
  };

  // A track stopped by someone else (a revoked capability, `stopPublish`, leave): off.
  const stopLocal = host.onLocalChange(() => settle(0));

  const manager: InputDevice = {
    kind,
    state: { status$: readOnly(status$), selectedDevice$: readOnly(selected$) },
    status$,
    selected$,
    listDevices: () => host.list.of(kind),
    enable: () =>
      serialize('enable', async (method) => {
        if (track?.readyState === 'live') return;
        const selected = selected$.get();
        // A remembered device may be gone: then the default one.
        if (selected === undefined && preferred !== undefined) {
          try {
            return await start(method, preferred);
          } catch (err) {
            if ((err as StreamVideoError).code !== 'not_found') throw err;
          }
        }
        await start(method, selected);
      }),
    disable: () =>
      serialize('disable', async (method) => {
        const was = track;
        off();
        if (was) await host.unpublish(spec.type, method);
      }),
    toggle: () => (status$.get() === 'enabled' ? manager.disable() : manager.enable()),
    select: (deviceId) =>
      serialize('select', async (method) => {
        checkDeviceId(method, deviceId);
        prefer(deviceId);
        if (track) await start(method, deviceId);
        else selected$.set(deviceId);
      }),
    reconcile: (list) =>
      void serialize('reconcile', async (method) => {
        const ids = list.filter((d) => d.kind === kind && d.deviceId).map((d) => d.deviceId);
        if (ids.length === 0 || disposed) return; // no access yet, or no device of this kind
        const current = selected$.get();
        const { lost, back } = changes(known, ids, current, preferred);
        known = ids;
        const next = back ? preferred : lost ? undefined : current;
        if (track && (lost || back || track.readyState === 'ended')) {
          try {
            await start(method, next);
          } catch (err) {
            off();
            host.logger('error', `could not reopen the ${name}`, { code: toDeviceError(err, method, kind).code });
            return;
          }
        } else selected$.set(next);
        if (lost || back)
          host.emit({ type: 'device.changed', kind, reason: back ? 'replugged' : 'unplugged', deviceId: selected$.get(), previousDeviceId: current });
      }),
    dispose: () => {
      disposed = true;
      stopLocal();
      off();
    },
    disposed: () => disposed,
    open,
    prefer,
  };
  return manager;
}
