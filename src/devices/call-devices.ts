import type { Logger } from '../config/logger';
import { StreamVideoError } from '../errors/stream-video-error';
import type { CallMedia } from '../media/call-media';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import { createAudioBindings, type AudioBindings } from './audio-bindings';
import { startAudioLevels } from './audio-levels';
import { createCamera, type CameraManager } from './camera-manager';
import type { DeviceEvent } from '../events/device-events';
import type { DeviceHost } from './device-host';
import { createDeviceList } from './device-list';
import type { DevicePreferences, MediaDevicesLike } from './media-devices';
import { createMicrophone, type MicrophoneManager } from './microphone-manager';
import { startQualityMonitor } from './quality-monitor';
import { createScreenShare, type ScreenShareManager } from './screen-share-manager';
import { createSpeaker, type SpeakerManager } from './speaker-manager';

/** What the device layer of a joined call is made with. */
export interface CallDevicesOptions {
  /** The call's media; none without WebRTC (then enabling a device is `unsupported`). */
  readonly media: CallMedia | undefined;
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
 * call (`dispose`).
 */
export interface CallDevices {
  readonly camera: CameraManager;
  readonly microphone: MicrophoneManager;
  readonly speaker: SpeakerManager;
  readonly screenShare: ScreenShareManager;
  readonly audio: AudioBindings;
  /** Plays the audio the browser refused to autoplay; from a user gesture. */
  resumeAudio(): Promise<void>;
  /** Ends with the call: devices closed, elements emptied, timers stopped. Idempotent. */
  dispose(): void;
}

/** Makes the device layer of a call just joined. */
export function createCallDevices(o: CallDevicesOptions): CallDevices {
  const { media, store, logger } = o;
  let disposed = false;
  const list = createDeviceList(o.devices, logger, (devices) => {
    camera.reconcile(devices);
    microphone.reconcile(devices);
    speaker.reconcile(devices);
  });
  const check = (method: string, capability?: string): void => {
    if (disposed) throw new StreamVideoError('failed_precondition', 'the call was left', { method });
    if (!media) throw new StreamVideoError('unsupported', 'no RTCPeerConnection here: pass opts.RTCPeerConnection', { method });
    if (capability && !o.ownCapabilities().includes(capability))
      throw new StreamVideoError('permission_denied', `publishing needs the "${capability}" capability`, { method, meta: { capability } });
  };
  const host: DeviceHost = {
    devices: o.devices,
    list,
    preferences: o.preferences,
    logger,
    emit: (event) => o.emit(event),
    check,
    publish: (type, stream, method) => {
      check(method);
      return media!.publish(type, stream, method);
    },
    unpublish: async (type, method) => media?.stopPublish(type, method),
    onLocalChange: (listener) => store.localParticipant$.listen(listener),
  };
  const audio = createAudioBindings(store, logger);
  const camera = createCamera(host);
  const microphone = createMicrophone(host);
  const speaker = createSpeaker(host, audio);
  const screenShare = createScreenShare(host);
  const peerConnections = () => media?.peerConnections ?? [];
  const levels =
    media &&
    startAudioLevels({
      store,
      peerConnections,
      mutedTrack: () => microphone.mutedTrack(),
      speakingWhileMuted: (talking) => microphone.setSpeakingWhileMuted(talking),
      serverElects: media.serverElectsSpeaker === true,
      logger,
    });
  const quality = media && startQualityMonitor({ store, peerConnections, intervalMs: o.statsIntervalMs, logger });
  return {
    camera,
    microphone,
    speaker,
    screenShare,
    audio,
    async resumeAudio() {
      await levels?.resume();
      await audio.resume();
    },
    dispose() {
      if (disposed) return;
      disposed = true;
      list.dispose();
      levels?.dispose();
      quality?.dispose();
      camera.dispose();
      microphone.dispose();
      screenShare.dispose();
      audio.dispose();
    },
  };
}
