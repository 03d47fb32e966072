import { atom, type ReadableAtom } from 'nanostores';
import { StreamVideoError } from '../errors/stream-video-error';
import { TrackType } from '../media/track-type';
import { readOnly } from '../store/read-only';
import type { DeviceHost } from './device-host';
import { InputDeviceManager } from './input-device-manager';

/** Which way a camera faces: `front` (the user, `facingMode: 'user'`) or `back` (`environment`). */
export type CameraDirection = 'front' | 'back';

/**
 * The call's camera (`call.camera`): `enable()` opens it and publishes it, `disable()` stops it,
 * `select()` switches cameras without renegotiating, `flip()` turns between front and back.
 * Needs the `send-video` capability.
 *
 * ```ts
 * await call.camera.enable();
 * call.camera.state.status$.subscribe((s) => (cameraButton.dataset.on = String(s === 'enabled')));
 * await call.camera.flip();
 * ```
 */
export class CameraManager extends InputDeviceManager {
  private readonly direction = atom<CameraDirection | undefined>(undefined);
  private resolution = { width: 1280, height: 720 };
  /** The direction asked for with `flip()`; `undefined` until then (the camera is chosen by id). */
  readonly direction$: ReadableAtom<CameraDirection | undefined> = readOnly(this.direction);

  /** @internal Made with the call. */
  constructor(host: DeviceHost) {
    super(host, 'videoinput', TrackType.VIDEO, 'send-video', 'camera');
  }

  /**
   * Turns to the other camera (front to back and back again, by `facingMode`); the published
   * video is swapped without renegotiating. Where there is one camera only, it stays in use.
   * Disabled, it sets the direction the next `enable()` opens.
   */
  flip(): Promise<void> {
    const next: CameraDirection = this.direction.get() === 'back' ? 'front' : 'back';
    this.direction.set(next);
    // The direction decides now, not a device id.
    this.prefer(undefined);
    if (this.status$.get() !== 'enabled') {
      this.selected$.set(undefined);
      return Promise.resolve();
    }
    return this.select(undefined);
  }

  /**
   * Sets the resolution the camera is opened with from the next `enable()`, `select()` or
   * `flip()` on (default 1280×720, which an SFU needs for three simulcast layers). The camera may
   * give less.
   * @param size the width and height, in pixels, from 16 to 4096.
   */
  selectTargetResolution(size: { width: number; height: number }): void {
    const ok = (v: unknown) => typeof v === 'number' && v >= 16 && v <= 4096;
    if (!ok(size?.width) || !ok(size?.height))
      throw StreamVideoError.invalidArgument('camera.selectTargetResolution', 'size', 'must be { width, height } from 16 to 4096');
    this.resolution = { width: size.width, height: size.height };
  }

  protected override constraints(deviceId: string | undefined): MediaTrackConstraints {
    const facing = this.direction.get();
    return {
      ...super.constraints(deviceId),
      width: { ideal: this.resolution.width },
      height: { ideal: this.resolution.height },
      ...(facing && deviceId === undefined ? { facingMode: { ideal: facing === 'front' ? 'user' : 'environment' } } : {}),
    };
  }

  protected override prefer(deviceId: string | undefined): void {
    // Choosing a camera by id forgets the direction.
    if (deviceId !== undefined) this.direction.set(undefined);
    super.prefer(deviceId);
  }
}
