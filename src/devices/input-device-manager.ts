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
 * The state of a camera or microphone manager, as read-only atoms and their values now.
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
  /** `status$`'s value now. */
  readonly status: DeviceStatus;
  /** `selectedDevice$`'s value now. */
  readonly selectedDevice: string | undefined;
}

/**
 * What the camera and the microphone managers share: open the device and publish it, stop it,
 * switch devices while it is published (`replaceTrack`: no renegotiation), and follow the
 * devices plugged and unplugged. Operations run one at a time, in call order.
 */
export abstract class InputDeviceManager {
  protected readonly status$ = atom<DeviceStatus>('disabled');
  protected readonly selected$ = atom<string | undefined>(undefined);
  /** The state, read-only. */
  readonly state: InputDeviceState;
  /** The device the user chose last (`select`), from the preferences at first. */
  protected preferred: string | undefined;
  /** The devices of this kind in the last list (what can be unplugged, and what was not there). */
  private known: readonly string[] = [];
  /** The published track, while enabled. */
  protected track: MediaStreamTrack | undefined;
  private ops: Promise<unknown> = Promise.resolve();
  /** Operations queued or running: the track may be replaced meanwhile. */
  private busy = 0;
  protected disposed = false;
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
    protected readonly type: PublishableTrackType,
    private readonly capability: string,
    protected readonly name: string,
  ) {
    this.preferred = host.preferences.get(kind);
    const { status$, selected$ } = this;
    this.state = Object.freeze({
      status$: readOnly(status$),
      selectedDevice$: readOnly(selected$),
      get status() {
        return status$.get();
      },
      get selectedDevice() {
        return selected$.get();
      },
    });
    // A track stopped by someone else (a revoked capability, `stopPublish`, leave): off.
    this.stopLocal = host.onLocalChange(() => {
      if (this.busy === 0 && this.track?.readyState === 'ended') this.off();
    });
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
   *   device: `meta.reason = 'device_permission'`), `not_found` (no such device),
   *   `failed_precondition` (`meta.reason = 'device_in_use'`, or the call was left),
   *   `unsupported` (no media devices or WebRTC here), and what publishing throws.
   */
  enable(): Promise<void> {
    return this.serialize('enable', async (method) => {
      if (this.status$.get() === 'enabled' && this.track?.readyState === 'live') return;
      // A device selected (or in use before) must be that one; a remembered preference may be gone.
      const selected = this.selected$.get();
      await this.start(method, selected ?? this.preferred, selected !== undefined);
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
   * @throws StreamVideoError `invalid_argument` (not a string), and what `enable()` throws.
   */
  select(deviceId: string | undefined): Promise<void> {
    const method = `${this.name}.select`;
    if (deviceId !== undefined && (typeof deviceId !== 'string' || deviceId === ''))
      return Promise.reject(StreamVideoError.invalidArgument(method, 'deviceId', 'must be a device id or undefined'));
    return this.serialize('select', async () => {
      this.prefer(deviceId);
      if (this.status$.get() === 'enabled') await this.start(method, deviceId, true);
      else this.selected$.set(deviceId);
    });
  }

  /**
   * After devices changed (or the published track ended): a selected device that is gone is
   * replaced by the default one, a preferred one that came back is taken again; the app is told
   * with `device.changed`. A failure to reopen turns the device off and is logged.
   * @param list every device now.
   */
  reconcile(list: readonly DeviceInfo[]): void {
    if (this.disposed) return;
    void this.serialize('reconcile', async (method) => {
      const ids = list.filter((d) => d.kind === this.kind && d.deviceId).map((d) => d.deviceId);
      if (ids.length === 0) return; // no access yet, or no device of this kind at all
      const current = this.selected$.get();
      const { lost, back } = changes(this.known, ids, current, this.preferred);
      this.known = ids;
      const enabled = this.status$.get() === 'enabled';
      if (!lost && !back && !(enabled && this.track?.readyState === 'ended')) return;
      const next = back ? this.preferred : lost ? undefined : current;
      if (enabled) {
        try {
          await this.start(method, next, back);
        } catch (err) {
          this.off();
          this.host.logger('error', `could not reopen the ${this.name}`, { code: toDeviceError(err, method, this.kind).code });
          return;
        }
      } else {
        this.selected$.set(next);
      }
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

  /** Ends with the call: the device is closed (its track was stopped with the call's media). */
  dispose(): void {
    this.disposed = true;
    this.stopLocal();
    this.off();
  }

  /** The constraints to open `deviceId` with (`exact`: that one or fail). */
  protected constraints(deviceId: string | undefined, exact: boolean): MediaTrackConstraints {
    return deviceId === undefined ? {} : { deviceId: exact ? { exact: deviceId } : { ideal: deviceId } };
  }

  /** Remembers `deviceId` as the user's choice. */
  protected prefer(deviceId: string | undefined): void {
    this.preferred = deviceId;
    this.host.preferences.set(this.kind, deviceId);
  }

  /** Opens a device of this kind; the track is the caller's. */
  protected async open(method: string, deviceId: string | undefined, exact: boolean): Promise<MediaStreamTrack> {
    const devices = this.host.devices;
    if (!devices) throw new StreamVideoError('unsupported', 'no media devices here: pass opts.mediaDevices', { method });
    let stream: MediaStream;
    try {
      stream = await devices.getUserMedia(
        this.kind === 'videoinput' ? { video: this.constraints(deviceId, exact) } : { audio: this.constraints(deviceId, exact) },
      );
    } catch (err) {
      throw toDeviceError(err, method, this.kind);
    }
    const [track, ...rest] = this.kind === 'videoinput' ? stream.getVideoTracks() : stream.getAudioTracks();
    for (const extra of rest) extra.stop();
    if (!track)
      throw new StreamVideoError('not_found', `${this.kind}: the device gave no track`, { method, meta: { reason: 'device_not_found', kind: this.kind } });
    if (this.disposed) {
      track.stop();
      throw new StreamVideoError('failed_precondition', 'the call was left', { method });
    }
    // Follow plugs and unplugs from now on; labels appear once access is granted.
    this.host.list.start();
    void this.host.list.refresh();
    return track;
  }

  /** Opens `deviceId` and publishes it (replacing the published track), then follows its end. */
  protected async start(method: string, deviceId: string | undefined, exact: boolean): Promise<void> {
    this.host.check(method, this.capability);
    const track = await this.open(method, deviceId, exact);
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
    batch(() => {
      this.status$.set('enabled');
      this.selected$.set(track.getSettings().deviceId || deviceId);
    });
  }

  /** Forgets the track and shows `disabled`. */
  protected off(): void {
    this.track = undefined;
    this.status$.set('disabled');
  }

  private serialize(op: string, work: (method: string) => Promise<void>): Promise<void> {
    const method = `${this.name}.${op}`;
    this.busy++;
    const run = this.ops.then(
      () => work(method),
      () => work(method),
    );
    this.ops = run.catch(() => {});
    return run.finally(() => this.settle());
  }

  /** An operation ended: with none left, a track that ended meanwhile turns the device off. */
  private settle(): void {
    if (--this.busy === 0 && this.track?.readyState === 'ended') this.off();
  }
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
