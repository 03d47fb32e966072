import { atom, type ReadableAtom } from 'nanostores';
import { TrackType } from '../media/track-type';
import { readOnly } from '../store/read-only';
import type { DeviceHost } from './device-host';
import { createInputDevice, type InputDevice, type InputDeviceManager } from './input-device-manager';

/**
 * The call's microphone (`call.microphone`): `enable()` opens it and publishes it, `disable()`
 * mutes (stops publishing and closes it), `select()` switches microphones without
 * renegotiating. Needs the `send-audio` capability.
 *
 * Speaking while muted: once the microphone was enabled in the call, muting it keeps listening
 * to the selected device, unpublished, and `speakingWhileMuted$` turns true while the user
 * speaks (the same threshold as `isSpeaking`), so the app can say "you are muted".
 * `disableSpeakingWhileMutedNotification()` stops that.
 *
 * ```ts
 * await call.microphone.toggle();
 * call.microphone.speakingWhileMuted$.subscribe((talking) => (mutedHint.hidden = !talking));
 * ```
 */
export interface MicrophoneManager extends InputDeviceManager {
  /** Whether the user speaks while the microphone is muted (see the interface). */
  readonly speakingWhileMuted$: ReadableAtom<boolean>;
  /** Listens for speech while muted (the default). */
  enableSpeakingWhileMutedNotification(): void;
  /** Stops listening while muted: the device closes, `speakingWhileMuted$` stays false. */
  disableSpeakingWhileMutedNotification(): void;
}

/** The microphone manager with what the level meter uses of it. */
export interface Microphone extends MicrophoneManager, InputDevice {
  /** The track listened to while muted, if any. */
  mutedTrack(): MediaStreamTrack | undefined;
  /** Set by the level meter. */
  setSpeakingWhileMuted(talking: boolean): void;
}

/** Makes the microphone manager of a call. */
export function createMicrophone(host: DeviceHost): Microphone {
  const base = createInputDevice(host, { kind: 'audioinput', type: TrackType.AUDIO, capability: 'send-audio', name: 'microphone' });
  const talking = atom(false);
  let detection = true;
  let wasEnabled = false;
  let detector: MediaStreamTrack | undefined;
  let opening = false;
  const mutedTrack = () => (detector?.readyState === 'live' ? detector : undefined);

  /** Opens or closes the muted listener as the status and the setting say. */
  const detect = (): void => {
    if (!(detection && wasEnabled && !base.disposed() && base.status$.get() === 'disabled')) {
      detector?.stop();
      detector = undefined;
      talking.set(false);
      return;
    }
    if (detector || opening) return;
    opening = true;
    base.open('microphone.detect', base.selected$.get()).then(
      (track) => {
        opening = false;
        detector = track;
        detect(); // still wanted?
      },
      (err: unknown) => {
        opening = false;
        host.logger('warn', 'could not open the microphone', { error: String(err) });
      },
    );
  };
  base.status$.listen((status) => {
    if (status === 'enabled') wasEnabled = true;
    detect();
  });
  const dispose = base.dispose.bind(base);
  return Object.assign(base, {
    speakingWhileMuted$: readOnly(talking),
    enableSpeakingWhileMutedNotification: () => {
      detection = true;
      detect();
    },
    disableSpeakingWhileMutedNotification: () => {
      detection = false;
      detect();
    },
    mutedTrack,
    setSpeakingWhileMuted: (on: boolean) => talking.set(on && mutedTrack() !== undefined),
    dispose: () => {
      dispose();
      detect();
    },
  });
}
