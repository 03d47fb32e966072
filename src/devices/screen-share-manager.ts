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
export interface ScreenShareManager {
  /** `enabled` while a screen is shared. */
  readonly status$: ReadableAtom<DeviceStatus>;
  /**
   * Asks the user for a screen, window or tab and publishes it (and its audio with `audio`);
   * sharing again replaces what is shared.
   * @param options whether to share the audio too (default not).
   * @throws StreamVideoError `permission_denied` (the capability, or the user cancelled:
   *   `meta.reason = 'device_permission'`), `unsupported` (no `getDisplayMedia`),
   *   `failed_precondition` (the call was left), and what publishing throws.
   */
  enable(options?: ScreenShareOptions): Promise<void>;
  /** Stops sharing (the screen and its audio). Does nothing when not sharing. */
  disable(): Promise<void>;
  /**
   * `enable(options)` when not sharing, `disable()` when sharing.
   * @param options what `enable` takes.
   */
  toggle(options?: ScreenShareOptions): Promise<void>;
}

/** Makes the screen-share manager of a call; `dispose` ends it with the call. */
export function createScreenShare(host: DeviceHost): ScreenShareManager & { dispose(): void } {
  const status = atom<DeviceStatus>('disabled');
  let tracks: MediaStreamTrack[] = [];
  /** An `enable()` in flight: the tracks shared before are being replaced. */
  let busy = false;
  const manager = {
    status$: readOnly(status),
    async enable(options: ScreenShareOptions = {}) {
      const method = 'screenShare.enable';
      if (options.audio !== undefined && typeof options.audio !== 'boolean')
        throw StreamVideoError.invalidArgument(method, 'options.audio', 'must be a boolean');
      host.check(method, 'screenshare');
      const devices = host.devices;
      if (!devices?.getDisplayMedia) throw new StreamVideoError('unsupported', 'no getDisplayMedia here', { method });
      let stream: MediaStream;
      try {
        stream = await devices.getDisplayMedia({ video: true, audio: options.audio === true });
      } catch (err) {
        throw toDeviceError(err, method, 'screen');
      }
      const [video] = stream.getVideoTracks();
      const [audio] = stream.getAudioTracks();
      busy = true;
      try {
        await host.publish(TrackType.SCREEN_SHARE, stream, method);
        if (audio) await host.publish(TrackType.SCREEN_SHARE_AUDIO, stream, method);
        else await host.unpublish(TrackType.SCREEN_SHARE_AUDIO, method);
      } catch (err) {
        for (const track of stream.getTracks()) track.stop();
        throw err;
      } finally {
        busy = false;
      }
      tracks = audio ? [video, audio] : [video];
      status.set('enabled');
    },
    async disable() {
      if (tracks.length === 0) return;
      tracks = [];
      status.set('disabled');
      await host.unpublish(TrackType.SCREEN_SHARE, 'screenShare.disable');
      await host.unpublish(TrackType.SCREEN_SHARE_AUDIO, 'screenShare.disable');
    },
    toggle: (options?: ScreenShareOptions) => (status.get() === 'enabled' ? manager.disable() : manager.enable(options)),
    dispose() {
      stopLocal();
      tracks = [];
      status.set('disabled');
    },
  };
  // Ended by the browser's "Stop sharing" bar (the call's media unpublished it), or revoked.
  const stopLocal = host.onLocalChange(() => {
    if (!busy && tracks[0]?.readyState === 'ended') void manager.disable();
  });
  return manager;
}
