import { atom, type ReadableAtom, type WritableAtom } from 'nanostores';
import type { Logger } from '../config/logger';
import { readOnly } from '../store/read-only';
import type { DeviceInfo, DeviceKind, MediaDevicesLike } from './media-devices';

/**
 * The devices of the platform, read with `enumerateDevices` when first needed and again on
 * every `devicechange` (and after a device was opened: labels appear once access is granted).
 * Reads never overlap: changes during a read cause one more read after it.
 */
export interface DeviceList {
  /** The devices of `kind`, read-only; reading starts with the first call. */
  of(kind: DeviceKind): ReadableAtom<readonly DeviceInfo[]>;
  /** Listens to `devicechange` and reads the list, once. */
  start(): void;
  /** Reads the list again; resolves once a read that started after this call has ended. */
  refresh(): Promise<void>;
  /** Stops listening. */
  dispose(): void;
}

/**
 * Makes the device list of a call.
 * @param devices the platform's devices (none in Node).
 * @param logger where a failure to list goes.
 * @param onChange told of each list read, after the atoms are set.
 */
export function createDeviceList(devices: MediaDevicesLike | undefined, logger: Logger, onChange: (list: readonly DeviceInfo[]) => void): DeviceList {
  const byKind: Record<DeviceKind, WritableAtom<readonly DeviceInfo[]>> = { videoinput: atom([]), audioinput: atom([]), audiooutput: atom([]) };
  const views = new Map<DeviceKind, ReadableAtom<readonly DeviceInfo[]>>();
  let reading: Promise<void> | undefined;
  let again = false;
  let started = false;
  let disposed = false;

  const read = async (from: MediaDevicesLike): Promise<void> => {
    do {
      again = false;
      let all: DeviceInfo[];
      try {
        all = (await from.enumerateDevices()).map(({ deviceId, kind, label, groupId }) => Object.freeze({ deviceId, kind, label, groupId }));
      } catch (err) {
        logger('warn', 'could not list the devices', { error: String(err) });
        return;
      }
      if (disposed) return;
      for (const [kind, store] of Object.entries(byKind)) store.set(Object.freeze(all.filter((d) => d.kind === kind)));
      onChange(all);
    } while (again && !disposed);
  };

  const refresh = (): Promise<void> => {
    if (!devices || disposed) return Promise.resolve();
    if (reading) {
      again = true;
      return reading;
    }
    return (reading = read(devices).finally(() => (reading = undefined)));
  };
  const onDeviceChange = () => void refresh();

  const list: DeviceList = {
    of(kind) {
      list.start();
      let view = views.get(kind);
      if (!view) views.set(kind, (view = readOnly(byKind[kind])));
      return view;
    },
    start() {
      if (started || disposed || !devices) return;
      started = true;
      devices.addEventListener('devicechange', onDeviceChange);
      void refresh();
    },
    refresh,
    dispose() {
      disposed = true;
      if (started) devices?.removeEventListener('devicechange', onDeviceChange);
    },
  };
  return list;
}
