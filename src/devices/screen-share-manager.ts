import { atom, type ReadableAtom } from 'nanostores';
import { StreamVideoError } from '../errors/stream-video-error';
import { TrackType } from '../media/track-type';
import { readOnly } from '../store/read-only';
import { toDeviceError } from './device-errors';
import type { DeviceHost } from './device-host';
import type { DeviceStatus } from './input-device-manager';

/** Options of `call.screenShare.enable()`. */
export interface ScreenShareOptions {
  /**
   * Share the audio of the tab (or screen) too, as `TrackType.SCREEN_SHARE_AUDIO`, where the
   * browser offers it (Chromium: a tab, or a whole screen on Windows and ChromeOS; the user
   * ticks "share audio"). Default false.
   */
  audio?: boolean;
}

/**
 * The call's screen share (`call.screenShare`): `enable()` asks the user what to share
 * (`getDisplayMedia`) and publishes it, with the tab's audio when `audio` is set; `disable()`
 * stops it, as does the browser's "Stop sharing" bar. Needs the `screenshare` capability.
 *
 * ```ts
 * await call.screenShare.enable({ audio: true });
 * call.screenShare.status$.subscribe((s) => (shareButton.textContent = s === 'enabled' ? 'Stop sharing' : 'Share screen'));
 * ```
 */
export class ScreenShareManager {
  private readonly status = atom<DeviceStatus>('disabled');
  /** `enabled` while a screen is shared. */
  readonly status$: ReadableAtom<DeviceStatus> = readOnly(this.status);
  private tracks: MediaStreamTrack[] = [];
  /** An `enable()` in flight: the tracks shared before are being replaced. */
  private busy = false;
  private readonly stopLocal: () => void;

  private readonly host: DeviceHost;

  /** @internal Made with the call. */
  constructor(host: DeviceHost) {
    this.host = host;
    // Ended by the browser's "Stop sharing" bar (the call's media unpublished it), or revoked.
    this.stopLocal = host.onLocalChange(() => {
      if (!this.busy && this.tracks[0]?.readyState === 'ended') void this.disable();
    });
  }

  /**
   * Asks the user for a screen, window or tab and publishes it (and its audio with `audio`);
   * sharing again replaces what is shared.
   * @throws StreamVideoError `permission_denied` (the capability, or the user cancelled:
   *   `meta.reason = 'device_permission'`), `unsupported` (no `getDisplayMedia`),
   *   `failed_precondition` (the call was left), and what publishing throws.
   */
  async enable(options: ScreenShareOptions = {}): Promise<void> {
    const method = 'screenShare.enable';
    if (typeof options !== 'object' || options === null || (options.audio !== undefined && typeof options.audio !== 'boolean'))
      throw StreamVideoError.invalidArgument(method, 'options.audio', 'must be a boolean');
    this.host.check(method, 'screenshare');
    const devices = this.host.devices;
    if (!devices?.getDisplayMedia) throw new StreamVideoError('unsupported', 'no screen capture here (getDisplayMedia)', { method });
    let stream: MediaStream;
    try {
      stream = await devices.getDisplayMedia({ video: true, audio: options.audio === true });
    } catch (err) {
      throw toDeviceError(err, method, 'screen');
    }
    const [video] = stream.getVideoTracks();
    const [audio] = stream.getAudioTracks();
    this.busy = true;
    try {
      await this.host.publish(TrackType.SCREEN_SHARE, stream, method);
      if (audio) await this.host.publish(TrackType.SCREEN_SHARE_AUDIO, stream, method);
      else await this.host.unpublish(TrackType.SCREEN_SHARE_AUDIO, method);
    } catch (err) {
      for (const track of stream.getTracks()) track.stop();
      throw err;
    } finally {
      this.busy = false;
    }
    this.tracks = audio ? [video, audio] : [video];
    this.status.set('enabled');
  }

  /** Stops sharing (the screen and its audio). Does nothing when not sharing. */
  async disable(): Promise<void> {
    if (this.tracks.length === 0) return;
    this.tracks = [];
    this.status.set('disabled');
    await this.host.unpublish(TrackType.SCREEN_SHARE, 'screenShare.disable');
    await this.host.unpublish(TrackType.SCREEN_SHARE_AUDIO, 'screenShare.disable');
  }

  /**
   * `enable(options)` when not sharing, `disable()` when sharing.
   * @param options what `enable` takes.
   */
  toggle(options?: ScreenShareOptions): Promise<void> {
    return this.status.get() === 'enabled' ? this.disable() : this.enable(options);
  }

  /** @internal Ends with the call. */
  dispose(): void {
    this.stopLocal();
    this.tracks = [];
    this.status.set('disabled');
  }
}
