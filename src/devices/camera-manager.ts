import { atom, type ReadableAtom } from 'nanostores';
import { StreamVideoError } from '../errors/stream-video-error';
import { TrackType } from '../media/track-type';
import { readOnly } from '../store/read-only';
import type { DeviceHost } from './device-host';
import { createInputDevice, type InputDevice, type InputDeviceManager } from './input-device-manager';

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
export interface CameraManager extends InputDeviceManager {
  /** The direction asked for with `flip()`; `undefined` until then (the camera is chosen by id). */
  readonly direction$: ReadableAtom<CameraDirection | undefined>;
  /**
   * Turns to the other camera (front to back and back again, by `facingMode`); the published
   * video is swapped without renegotiating. Where there is one camera only, it stays in use.
   * Disabled, it sets the direction the next `enable()` opens.
   */
  flip(): Promise<void>;
  /**
   * Sets the resolution the camera is opened with from the next `enable()`, `select()` or
   * `flip()` on (default 1280×720, which an SFU needs for three simulcast layers). The camera may
   * give less.
   * @param size the width and height, in pixels, from 16 to 4096.
   * @throws StreamVideoError `invalid_argument` out of that range.
   */
  selectTargetResolution(size: { width: number; height: number }): void;
}

/** Makes the camera manager of a call. */
export function createCamera(host: DeviceHost): CameraManager & InputDevice {
  const direction = atom<CameraDirection | undefined>(undefined);
  let size = { width: 1280, height: 720 };
  const base = createInputDevice(host, {
    kind: 'videoinput',
    type: TrackType.VIDEO,
    capability: 'send-video',
    name: 'camera',
    constraints: (deviceId) => {
      const facing = direction.get();
      return { width: { ideal: size.width }, height: { ideal: size.height }, ...(facing && !deviceId ? { facingMode: { ideal: facing === 'front' ? 'user' : 'environment' } } : {}) };
    },
  });
  const select = base.select;
  const camera: CameraManager & InputDevice = Object.assign(base, {
    direction$: readOnly(direction),
    // Choosing a camera by id forgets the direction.
    select: (deviceId: string | undefined) => {
      if (deviceId !== undefined) direction.set(undefined);
      return select(deviceId);
    },
    flip: () => {
      direction.set(direction.get() === 'back' ? 'front' : 'back');
      // The direction decides now, not a device id.
      if (base.status$.get() === 'enabled') return select(undefined);
      base.prefer(undefined);
      base.selected$.set(undefined);
      return Promise.resolve();
    },
    selectTargetResolution: ({ width, height }: { width: number; height: number }) => {
      const ok = (v: unknown) => typeof v === 'number' && v >= 16 && v <= 4096;
      if (!ok(width) || !ok(height)) throw StreamVideoError.invalidArgument('camera.selectTargetResolution', 'size', 'must be { width, height } from 16 to 4096');
      size = { width, height };
    },
  });
  return camera;
}
