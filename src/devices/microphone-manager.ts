import { atom, type ReadableAtom } from 'nanostores';
import { TrackType } from '../media/track-type';
import { readOnly } from '../store/read-only';
import type { DeviceHost } from './device-host';
import { InputDeviceManager } from './input-device-manager';

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
export class MicrophoneManager extends InputDeviceManager {
  private readonly talking = atom(false);
  /** Whether the user speaks while the microphone is muted (see the class). */
  readonly speakingWhileMuted$: ReadableAtom<boolean> = readOnly(this.talking);
  private detection = true;
  private wasEnabled = false;
  private detector: MediaStreamTrack | undefined;
  private opening = false;

  /** @internal Made with the call. */
  constructor(host: DeviceHost) {
    super(host, 'audioinput', TrackType.AUDIO, 'send-audio', 'microphone');
    this.status$.listen((status) => {
      if (status === 'enabled') this.wasEnabled = true;
      this.detect();
    });
  }

  /** Listens for speech while muted (the default). */
  enableSpeakingWhileMutedNotification(): void {
    this.detection = true;
    this.detect();
  }

  /** Stops listening while muted: the device closes, `speakingWhileMuted$` stays false. */
  disableSpeakingWhileMutedNotification(): void {
    this.detection = false;
    this.detect();
  }

  /** @internal The track listened to while muted, for the level meter. */
  get mutedTrack(): MediaStreamTrack | undefined {
    return this.detector?.readyState === 'live' ? this.detector : undefined;
  }

  /** @internal Set by the level meter. */
  setSpeakingWhileMuted(talking: boolean): void {
    this.talking.set(talking && this.mutedTrack !== undefined);
  }

  override dispose(): void {
    super.dispose();
    this.detect();
  }

  /** Opens or closes the muted listener as the status and the setting say. */
  private detect(): void {
    const wanted = this.detection && this.wasEnabled && !this.disposed && this.status$.get() === 'disabled';
    if (!wanted) {
      this.detector?.stop();
      this.detector = undefined;
      this.talking.set(false);
      return;
    }
    if (this.detector || this.opening) return;
    this.opening = true;
    this.open('microphone.detect', this.selected$.get()).then(
      (track) => {
        this.opening = false;
        this.detector = track;
        this.detect(); // still wanted?
      },
      (err: unknown) => {
        this.opening = false;
        this.host.logger('warn', 'could not listen to the muted microphone', { error: String(err) });
      },
    );
  }
}
