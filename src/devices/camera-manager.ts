import { TrackType } from '../media/track-type';
import type { DeviceHost } from './device-host';
import { createInputDevice, type InputDevice, type InputDeviceManager } from './input-device-manager';

/** Which way a camera faces: `front` (the user, `facingMode: 'user'`) or `back` (`environment`). */
export type CameraDirection = 'front' | 'back';

/**
 * The call's camera (`call.camera`): `enable()` opens it and publishes it, `disable()` stops it,
 * `select()` switches cameras without renegotiating, `flip()` turns between front and back.
 * It opens cameras at 1280×720 (the camera may give less). Needs the `send-video` capability.
 *
 * ```ts
 * await call.camera.enable();
 * call.camera.state.status$.subscribe((s) => (cameraButton.dataset.on = String(s === 'enabled')));
 * await call.camera.flip();
 * ```
 */
export interface CameraManager extends InputDeviceManager {
  /**
   * Turns to the other camera (front to back and back again, by `facingMode`); the published
   * video is swapped without renegotiating. Where there is one camera only, it stays in use.
   * Disabled, it sets the direction the next `enable()` opens.
   */
  flip(): Promise<void>;
}

/** Makes the camera manager of a call. */
export function createCamera(host: DeviceHost): CameraManager & InputDevice {
  let direction: CameraDirection | undefined;
  const base = createInputDevice(host, {
    kind: 'videoinput',
    type: TrackType.VIDEO,
    capability: 'send-video',
    name: 'camera',
    // 1280x720, which an SFU needs for three simulcast layers; the camera may give less.
    constraints: (deviceId) => ({
      width: { ideal: 1280 },
      height: { ideal: 720 },
      ...(direction && !deviceId ? { facingMode: { ideal: direction === 'front' ? 'user' : 'environment' } } : {}),
    }),
  });
  const select = base.select.bind(base);
  return Object.assign(base, {
    // Choosing a camera by id forgets the direction.
    select: (deviceId: string | undefined) => {
      if (deviceId !== undefined) direction = undefined;
      return select(deviceId);
    },
    flip: () => {
      direction = direction === 'back' ? 'front' : 'back';
      // The direction decides now, not a device id.
      if (base.status$.get() === 'enabled') return select(undefined);
      base.prefer(undefined);
      base.selected$.set(undefined);
      return Promise.resolve();
    },
  });
}
