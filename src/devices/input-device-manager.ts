import { atom, batch, type ReadableAtom } from 'nanostores';
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

/**
 * What the camera and the microphone managers share: open the device and publish it, stop it,
 * switch devices while it is published (`replaceTrack`: no renegotiation), and follow the
 * devices plugged and unplugged. Operations run one at a time, in call order.
 */
export abstract class InputDeviceManager {
  /** The status, writable (read `state.status$`). */
  protected readonly status$ = atom<DeviceStatus>('disabled');
  /** The selected device, writable (read `state.selectedDevice$`). */
  protected readonly selected$ = atom<string | undefined>(undefined);
  /** The state, read-only. */
  readonly state: InputDeviceState = { status$: readOnly(this.status$), selectedDevice$: readOnly(this.selected$) };
  /** Whether the call ended (nothing opens any more). */
  protected disposed = false;
  /** The device the user chose last (`select`), from the preferences at first. */
  private preferred: string | undefined;
  /** The devices of this kind in the last list. */
  private known: readonly string[] = [];
  /** The published track, while enabled. */
  private track: MediaStreamTrack | undefined;
  private ops: Promise<unknown> = Promise.resolve();
  /** Operations queued or running: the track may be replaced meanwhile. */
  private busy = 0;
  private readonly stopLocal: () => void;

  /**
   * @param host the call's side of the devices.
   * @param kind `videoinput` or `audioinput`.
   * @param type the track type it publishes.
   * @param capability the capability publishing needs.
   * @param name `camera` or `microphone`, for errors (`camera.enable`).
   */
  constructor(
    protected readonly host: DeviceHost,
    readonly kind: 'videoinput' | 'audioinput',
    private readonly type: PublishableTrackType,
    private readonly capability: string,
    private readonly name: string,
  ) {
    this.preferred = host.preferences.get(kind);
    // A track stopped by someone else (a revoked capability, `stopPublish`, leave): off.
    this.stopLocal = host.onLocalChange(() => this.settle(0));
  }

  /**
   * The devices of this kind, refreshed when devices are plugged or unplugged. Labels and ids
   * are empty until the user has granted access to one.
   *
   * ```ts
   * call.microphone.listDevices().subscribe((mics) => renderPicker(mics));
   * ```
   */
  listDevices(): ReadableAtom<readonly DeviceInfo[]> {
    return this.host.list.of(this.kind);
  }

  /**
   * Opens the selected device (or the preferred one, or the default) and publishes it. Does
   * nothing when enabled.
   * @throws StreamVideoError `permission_denied` (the capability, or the user refused the
   *   device: `meta.reason = 'device_permission'`), `not_found` (no such device:
   *   `device_not_found`), `failed_precondition` (`device_in_use`, or the call was left),
   *   `unsupported` (no media devices or WebRTC here), and what publishing throws.
   */
  enable(): Promise<void> {
    return this.serialize('enable', async (method) => {
      if (this.track?.readyState === 'live') return;
      const selected = this.selected$.get();
      // A remembered device may be gone: then the default one.
      if (selected === undefined && this.preferred !== undefined) {
        try {
          return await this.start(method, this.preferred);
        } catch (err) {
          if ((err as StreamVideoError).code !== 'not_found') throw err;
        }
      }
      await this.start(method, selected);
    });
  }

  /** Stops publishing and closes the device. Does nothing when disabled. */
  disable(): Promise<void> {
    return this.serialize('disable', async (method) => {
      const was = this.track;
      this.off();
      if (was) await this.host.unpublish(this.type, method);
    });
  }

  /** `enable()` when disabled, `disable()` when enabled. */
  toggle(): Promise<void> {
    return this.status$.get() === 'enabled' ? this.disable() : this.enable();
  }

  /**
   * Selects a device (`undefined`: the default one) and remembers it as the preferred one. While
   * enabled, the published track is swapped for one of the new device without renegotiating.
   * @param deviceId a `deviceId` from `listDevices()`.
   * @throws StreamVideoError `invalid_argument` (not a device id), and what `enable()` throws.
   */
  select(deviceId: string | undefined): Promise<void> {
    return this.serialize('select', async (method) => {
      checkDeviceId(method, deviceId);
      this.prefer(deviceId);
      if (this.track) await this.start(method, deviceId);
      else this.selected$.set(deviceId);
    });
  }

  /**
   * @internal After devices changed (or the published track ended): a selected device that is
   * gone is replaced by the default one, a preferred one that came back is taken again; the app
   * is told with `device.changed`. A failure to reopen turns the device off and is logged.
   * @param list every device now.
   */
  reconcile(list: readonly DeviceInfo[]): void {
    void this.serialize('reconcile', async (method) => {
      const ids = list.filter((d) => d.kind === this.kind && d.deviceId).map((d) => d.deviceId);
      if (ids.length === 0 || this.disposed) return; // no access yet, or no device of this kind
      const current = this.selected$.get();
      const { lost, back } = changes(this.known, ids, current, this.preferred);
      this.known = ids;
      const next = back ? this.preferred : lost ? undefined : current;
      if (this.track && (lost || back || this.track.readyState === 'ended')) {
        try {
          await this.start(method, next);
        } catch (err) {
          this.off();
          this.host.logger('error', `could not reopen the ${this.name}`, { code: toDeviceError(err, method, this.kind).code });
          return;
        }
      } else this.selected$.set(next);
      if (lost || back)
        this.host.emit({
          type: 'device.changed',
          kind: this.kind,
          reason: back ? 'replugged' : 'unplugged',
          deviceId: this.selected$.get(),
          previousDeviceId: current,
        });
    });
  }

  /** @internal Ends with the call: the device is closed (its track was stopped with the call's media). */
  dispose(): void {
    this.disposed = true;
    this.stopLocal();
    this.off();
  }

  /** The constraints to open `deviceId` (that one, or fail) or the default device. */
  protected constraints(deviceId: string | undefined): MediaTrackConstraints {
    return deviceId === undefined ? {} : { deviceId: { exact: deviceId } };
  }

  /** Remembers `deviceId` as the user's choice. */
  protected prefer(deviceId: string | undefined): void {
    this.preferred = deviceId;
    this.host.preferences.set(this.kind, deviceId);
  }

  /** Opens a device of this kind; the track is the caller's. */
  protected async open(method: string, deviceId: string | undefined): Promise<MediaStreamTrack> {
    const devices = this.host.devices;
    if (!devices) throw new StreamVideoError('unsupported', 'no media devices: pass opts.mediaDevices', { method });
    const video = this.kind === 'videoinput';
    let stream: MediaStream;
    try {
      stream = await devices.getUserMedia({ [video ? 'video' : 'audio']: this.constraints(deviceId) });
    } catch (err) {
      throw toDeviceError(err, method, this.kind);
    }
    const [track, ...rest] = video ? stream.getVideoTracks() : stream.getAudioTracks();
    for (const extra of rest) extra.stop();
    if (!track || this.disposed) {
      track?.stop();
      throw track ? new StreamVideoError('failed_precondition', 'the call was left', { method }) : toDeviceError({ name: 'NotFoundError' }, method, this.kind);
    }
    // Follow plugs and unplugs from now on; labels appear once access is granted.
    this.host.list.start();
    void this.host.list.refresh();
    return track;
  }

  /** Opens `deviceId` (or the default device) and publishes it (replacing the published track), then follows its end. */
  private async start(method: string, deviceId: string | undefined): Promise<void> {
    this.host.check(method, this.capability);
    const track = await this.open(method, deviceId);
    try {
      await this.host.publish(this.type, new MediaStream([track]), method);
    } catch (err) {
      track.stop();
      throw err;
    }
    this.track = track;
    // Unplugged or taken by the system: reopen (another device if this one is gone).
    track.addEventListener('ended', () => {
      if (this.track !== track || this.disposed) return;
      this.busy++;
      void this.host.list.refresh().finally(() => this.settle());
    });
    // The device it opened, when it is a listed one (a processed track from opts.mediaDevices
    // reports an id of its own, which opens nothing).
    const opened = track.getSettings().deviceId;
    batch(() => {
      this.status$.set('enabled');
      this.selected$.set(opened && this.known.includes(opened) ? opened : deviceId);
    });
  }

  /** Forgets the track and shows `disabled`. */
  private off(): void {
    this.track = undefined;
    this.status$.set('disabled');
  }

  /** An operation ended: with none left, a track that ended meanwhile turns the device off. */
  private settle(done = 1): void {
    if ((this.busy -= done) === 0 && this.track?.readyState === 'ended') this.off();
  }

  private serialize(op: string, work: (method: string) => Promise<void>): Promise<void> {
    const method = `${this.name}.${op}`;
    const run = () => work(method);
    this.busy++;
    const result = this.ops.then(run, run).finally(() => this.settle());
    this.ops = result.catch(() => {});
    return result;
  }
}
