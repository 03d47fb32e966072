import { atom, type ReadableAtom, type WritableAtom } from 'nanostores';
import type { Logger } from '../config/logger';
import { readOnly } from '../store/read-only';
import type { DeviceInfo, DeviceKind, MediaDevicesLike } from './media-devices';

/**
 * The devices of the platform, read with `enumerateDevices` when first needed and again on
 * every `devicechange` (and after a device was opened: labels appear once access is granted).
 * Reads never overlap: changes during a read cause one more read after it.
 */
export class DeviceList {
  private all: readonly DeviceInfo[] = [];
  private readonly byKind: Record<DeviceKind, WritableAtom<readonly DeviceInfo[]>> = { videoinput: atom([]), audioinput: atom([]), audiooutput: atom([]) };
  private readonly views = new Map<DeviceKind, ReadableAtom<readonly DeviceInfo[]>>();
  private reading: Promise<void> | undefined;
  private again = false;
  private started = false;
  private disposed = false;
  private readonly onDeviceChange = () => void this.refresh();

  /**
   * @param devices the platform's devices (none in Node).
   * @param onChange told of each new list, after it is set.
   */
  constructor(
    private readonly devices: MediaDevicesLike | undefined,
    private readonly logger: Logger,
    private readonly onChange: (list: readonly DeviceInfo[]) => void,
  ) {}

  /** The devices of `kind`, read-only; reading starts with the first call. */
  of(kind: DeviceKind): ReadableAtom<readonly DeviceInfo[]> {
    this.start();
    let view = this.views.get(kind);
    if (!view) this.views.set(kind, (view = readOnly(this.byKind[kind])));
    return view;
  }

  /** Listens to `devicechange` and reads the list, once. */
  start(): void {
    if (this.started || this.disposed || !this.devices) return;
    this.started = true;
    this.devices.addEventListener('devicechange', this.onDeviceChange);
    void this.refresh();
  }

  /** Reads the list again; resolves once a read that started after this call has ended. */
  refresh(): Promise<void> {
    if (!this.devices || this.disposed) return Promise.resolve();
    if (this.reading) {
      this.again = true;
      return this.reading;
    }
    const devices = this.devices;
    const read = async (): Promise<void> => {
      do {
        this.again = false;
        try {
          const found = await devices.enumerateDevices();
          if (this.disposed) return;
          this.all = found.map(({ deviceId, kind, label, groupId }) => Object.freeze({ deviceId, kind, label, groupId }));
          for (const [kind, store] of Object.entries(this.byKind)) {
            const list = this.all.filter((d) => d.kind === kind);
            const now = store.get();
            if (list.length !== now.length || list.some((d, i) => d.deviceId !== now[i].deviceId || d.label !== now[i].label)) store.set(Object.freeze(list));
          }
        } catch (err) {
          this.logger('warn', 'could not list the media devices', { error: String(err) });
          return;
        }
        this.onChange(this.all);
      } while (this.again && !this.disposed);
    };
    this.reading = read().finally(() => (this.reading = undefined));
    return this.reading;
  }

  /** The devices now (empty before the first read). */
  get current(): readonly DeviceInfo[] {
    return this.all;
  }

  /** Stops listening. */
  dispose(): void {
    this.disposed = true;
    if (this.started) this.devices?.removeEventListener('devicechange', this.onDeviceChange);
  }
}
