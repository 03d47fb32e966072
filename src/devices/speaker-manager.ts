import { atom, type ReadableAtom } from 'nanostores';
import { StreamVideoError } from '../errors/stream-video-error';
import { readOnly } from '../store/read-only';
import { canRouteAudio, type AudioBindings } from './audio-bindings';
import { toDeviceError } from './device-errors';
import type { DeviceHost } from './device-host';
import { changes, checkDeviceId } from './input-device-manager';
import type { DeviceInfo } from './media-devices';

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
export interface SpeakerManager {
  /** The output in use; `undefined`: the default one. */
  readonly selectedDevice$: ReadableAtom<string | undefined>;
  /** Whether the browser can play to a chosen output (`HTMLMediaElement.setSinkId`). */
  readonly isDeviceSelectionSupported: boolean;
  /** The audio outputs, refreshed when devices are plugged or unplugged. */
  listDevices(): ReadableAtom<readonly DeviceInfo[]>;
  /**
   * Plays remote audio through `deviceId` (`undefined`: the default output), now and for
   * elements bound later, and remembers it as the preferred one.
   * @param deviceId a `deviceId` from `listDevices()`.
   * @throws StreamVideoError `unsupported` (no `setSinkId`), `invalid_argument`, `not_found`
   *   (no such output), `permission_denied`.
   */
  select(deviceId: string | undefined): Promise<void>;
}

/** Makes the speaker manager of a call; `reconcile` follows the device list. */
export function createSpeaker(host: DeviceHost, audio: AudioBindings): SpeakerManager & { reconcile(list: readonly DeviceInfo[]): void } {
  const selected = atom<string | undefined>(undefined);
  let preferred = host.preferences.get('audiooutput');
  /** The outputs in the last list. */
  let known: readonly string[] = [];
  /** Whether the output in use is the default one because the chosen one was unplugged. */
  let fellBack = false;
  // A remembered speaker is routed to as soon as the list shows it.
  if (preferred) host.list.start();

  const route = async (deviceId: string | undefined, method: string): Promise<void> => {
    try {
      await audio.setSink(deviceId ?? '');
    } catch (err) {
      throw toDeviceError(err, method, 'audiooutput');
    }
    selected.set(deviceId);
  };

  return {
    selectedDevice$: readOnly(selected),
    get isDeviceSelectionSupported() {
      return canRouteAudio();
    },
    listDevices: () => host.list.of('audiooutput'),
    async select(deviceId) {
      const method = 'speaker.select';
      checkDeviceId(method, deviceId);
      if (!canRouteAudio()) throw new StreamVideoError('unsupported', 'no setSinkId in this browser', { method });
      preferred = deviceId;
      host.preferences.set('audiooutput', deviceId);
      host.list.start();
      await route(deviceId, method);
    },
    reconcile(list) {
      const ids = list.filter((d) => d.kind === 'audiooutput' && d.deviceId).map((d) => d.deviceId);
      if (!canRouteAudio() || ids.length === 0) return;
      const current = selected.get();
      const { lost, back } = changes(known, ids, current, preferred);
      known = ids;
      if (!lost && !back) return;
      const next = back ? preferred : undefined;
      route(next, 'speaker.reconcile').then(
        () => {
          // A preference applied at the first list is no news.
          if (!lost && !fellBack) return;
          fellBack = lost;
          host.emit({ type: 'device.changed', kind: 'audiooutput', reason: lost ? 'unplugged' : 'replugged', deviceId: next, previousDeviceId: current });
        },
        (err: unknown) => host.logger('error', 'could not route audio', { code: toDeviceError(err, 'speaker.reconcile', 'audiooutput').code }),
      );
    },
  };
}
