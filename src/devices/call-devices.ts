import type { Logger } from '../config/logger';
import { StreamVideoError } from '../errors/stream-video-error';
import type { MediaSession } from '../media/media-session';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import { AudioBindings } from './audio-bindings';
import { AudioLevels } from './audio-levels';
import { CameraManager } from './camera-manager';
import type { DeviceEvent } from './device-events';
import type { DeviceHost } from './device-host';
import { DeviceList } from './device-list';
import type { DevicePreferences, MediaDevicesLike } from './media-devices';
import { MicrophoneManager } from './microphone-manager';
import { QualityMonitor } from './quality-monitor';
import { ScreenShareManager } from './screen-share-manager';
import { SpeakerManager } from './speaker-manager';

/** What the device layer of a joined call is made with. */
export interface CallDevicesOptions {
  /** The call's media; none without WebRTC (then enabling a device is `unsupported`). */
  readonly media: MediaSession | undefined;
  readonly store: StreamVideoWriteableStateStore<unknown>;
  /** `opts.mediaDevices` (default `navigator.mediaDevices`). */
  readonly devices: MediaDevicesLike | undefined;
  readonly preferences: DevicePreferences;
  readonly logger: Logger;
  /** How often connection quality is measured, in ms; 0 never. */
  readonly statsIntervalMs: number;
  /** Delivers a device event to the client's listeners. */
  emit(event: DeviceEvent): void;
  /** The connected user's capabilities in the call now. */
  ownCapabilities(): readonly string[];
}

/**
 * The device layer of one joined call, on the call's media: the camera, microphone, speaker
 * and screen-share managers, the audio elements bound to participants, and what is measured of
 * each participant (levels, speaking, dominant speaker, connection quality). It ends with the
 * call ({@link CallDevices.dispose}).
 */
export class CallDevices {
  readonly camera: CameraManager;
  readonly microphone: MicrophoneManager;
  readonly speaker: SpeakerManager;
  readonly screenShare: ScreenShareManager;
  readonly audio: AudioBindings;
  private readonly list: DeviceList;
  private readonly levels: AudioLevels | undefined;
  private readonly quality: QualityMonitor | undefined;
  private disposed = false;

  constructor(o: CallDevicesOptions) {
    const { media, store, logger } = o;
    this.list = new DeviceList(o.devices, logger, (list) => {
      this.camera.reconcile(list);
      this.microphone.reconcile(list);
      this.speaker.reconcile(list);
    });
    const host: DeviceHost = {
      devices: o.devices,
      list: this.list,
      preferences: o.preferences,
      logger,
      emit: o.emit,
      check: (method, capability) => {
        if (this.disposed) throw new StreamVideoError('failed_precondition', 'the call was left', { method });
        if (!media) throw new StreamVideoError('unsupported', 'no RTCPeerConnection here: pass opts.RTCPeerConnection', { method });
        if (capability && !o.ownCapabilities().includes(capability))
          throw new StreamVideoError('permission_denied', `publishing needs the "${capability}" capability`, { method, meta: { capability } });
      },
      publish: (type, stream, method) => {
        host.check(method);
        return media!.publish(type, stream, method);
      },
      unpublish: (type, method) => media?.stopPublish(type, method) ?? Promise.resolve(),
      onLocalChange: (listener) => store.localParticipant$.listen(listener),
    };
    this.audio = new AudioBindings(store, logger);
    this.camera = new CameraManager(host);
    this.microphone = new MicrophoneManager(host);
    this.speaker = new SpeakerManager(host, this.audio);
    this.screenShare = new ScreenShareManager(host);
    if (media) {
      const peerConnections = () => media.peerConnections;
      this.levels = new AudioLevels({
        store,
        peerConnections,
        mutedTrack: () => this.microphone.mutedTrack,
        speakingWhileMuted: (talking) => this.microphone.setSpeakingWhileMuted(talking),
        logger,
      });
      this.quality = new QualityMonitor({ store, peerConnections, intervalMs: o.statsIntervalMs, logger });
    }
  }

  /** Plays the audio the browser refused to autoplay; from a user gesture. */
  async resumeAudio(): Promise<void> {
    await this.levels?.resume();
    await this.audio.resume();
  }

  /** Ends with the call: devices closed, elements emptied, timers stopped. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.list.dispose();
    this.levels?.dispose();
    this.quality?.dispose();
    this.camera.dispose();
    this.microphone.dispose();
    this.screenShare.dispose();
    this.audio.dispose();
  }
}
