import { atom, type ReadableAtom } from 'nanostores';
import { StreamVideoError } from '../errors/stream-video-error';
import { readOnly } from '../store/read-only';
import { canRouteAudio, type AudioBindings } from './audio-bindings';
import { toDeviceError } from './device-errors';
import type { DeviceHost } from './device-host';
import type { DeviceInfo } from './media-devices';
import { changes } from './input-device-manager';

/**
 * The call's speaker (`call.speaker`): where the remote audio bound with `bindAudioElement`
 * plays. `select()` routes every bound element to an audio output (`setSinkId`, in Chromium
 * browsers; elsewhere `isDeviceSelectionSupported` is false). An unplugged speaker falls back
 * to the default output, and the preferred one is taken back when it returns (`device.changed`).
 *
 * ```ts
 * call.speaker.listDevices().subscribe((outputs) => renderPicker(outputs));
 * await call.speaker.select(outputs[1].deviceId);
 * ```
 */
export class SpeakerManager {
  private readonly selected = atom<string | undefined>(undefined);
  /** The output in use; `undefined`: the default one. */
  readonly selectedDevice$: ReadableAtom<string | undefined> = readOnly(this.selected);
  private preferred: string | undefined;
  /** The outputs in the last list. */
  private known: readonly string[] = [];
  /** Whether the output in use is the default one because the chosen one was unplugged. */
  private fellBack = false;

  private readonly host: DeviceHost;
  private readonly audio: AudioBindings;

  /** @internal Made with the call. */
  constructor(host: DeviceHost, audio: AudioBindings) {
    this.host = host;
    this.audio = audio;
    this.preferred = host.preferences.get('audiooutput');
    // A remembered speaker is routed to as soon as the list shows it.
    if (this.preferred) host.list.start();
  }

  /** The audio outputs, refreshed when devices are plugged or unplugged. */
  listDevices(): ReadableAtom<readonly DeviceInfo[]> {
    return this.host.list.of('audiooutput');
  }

  /** Whether the browser can play to a chosen output (`HTMLMediaElement.setSinkId`). */
  get isDeviceSelectionSupported(): boolean {
    return canRouteAudio();
  }

  /**
   * Plays remote audio through `deviceId` (`undefined`: the default output), now and for
   * elements bound later, and remembers it as the preferred one.
   * @param deviceId a `deviceId` from `listDevices()`.
   * @throws StreamVideoError `unsupported` (no `setSinkId`), `invalid_argument`, `not_found`
   *   (no such output), `permission_denied`.
   */
  async select(deviceId: string | undefined): Promise<void> {
    const method = 'speaker.select';
    if (deviceId !== undefined && (typeof deviceId !== 'string' || deviceId === ''))
      throw StreamVideoError.invalidArgument(method, 'deviceId', 'must be a device id or undefined');
    if (!canRouteAudio()) throw new StreamVideoError('unsupported', 'this browser cannot choose an audio output (no setSinkId)', { method });
    this.preferred = deviceId;
    this.host.preferences.set('audiooutput', deviceId);
    this.host.list.start();
    await this.route(deviceId, method);
  }

  /** @internal After devices changed: falls back to the default output, or takes the preferred one back. */
  reconcile(list: readonly DeviceInfo[]): void {
    if (!canRouteAudio()) return;
    const ids = list.filter((d) => d.kind === 'audiooutput' && d.deviceId).map((d) => d.deviceId);
    if (ids.length === 0) return;
    const current = this.selected.get();
    const { lost, back } = changes(this.known, ids, current, this.preferred);
    this.known = ids;
    if (!lost && !back) return;
    const next = back ? this.preferred : undefined;
    this.route(next, 'speaker.reconcile').then(
      () => {
        // A preference applied for the first time (at the first list) is no news.
        if (!lost && !this.fellBack) return;
        this.fellBack = lost;
        this.host.emit({ type: 'device.changed', kind: 'audiooutput', reason: lost ? 'unplugged' : 'replugged', deviceId: next, previousDeviceId: current });
      },
      (err: unknown) => this.host.logger('error', 'could not route audio to a speaker', { code: toDeviceError(err, 'speaker.reconcile', 'audiooutput').code }),
    );
  }

  private async route(deviceId: string | undefined, method: string): Promise<void> {
    try {
      await this.audio.setSink(deviceId ?? '');
    } catch (err) {
      throw toDeviceError(err, method, 'audiooutput');
    }
    this.selected.set(deviceId);
  }
}
