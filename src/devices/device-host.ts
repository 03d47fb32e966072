import type { Logger } from '../config/logger';
import type { PublishableTrackType } from '../media/track-type';
import type { DeviceEvent } from '../events/device-events';
import type { DeviceList } from './device-list';
import type { DevicePreferences, MediaDevicesLike } from './media-devices';

/** What the device managers of a call need from it. */
export interface DeviceHost {
  /** The platform's devices (`opts.mediaDevices`); none in Node. */
  readonly devices: MediaDevicesLike | undefined;
  readonly list: DeviceList;
  readonly preferences: DevicePreferences;
  readonly logger: Logger;
  /** Delivers a device event to the client's listeners. */
  emit(event: DeviceEvent): void;
  /**
   * Throws what publishing would throw before anything is opened: `failed_precondition` once
   * the call was left, `unsupported` without WebRTC or media devices, `permission_denied`
   * without `capability`.
   */
  check(method: string, capability?: string): void;
  /** Publishes the first track of `type`'s kind of `stream`; a type already published gets it by `replaceTrack`. */
  publish(type: PublishableTrackType, stream: MediaStream, method: string): Promise<void>;
  /** Stops publishing `type` (the track is stopped). */
  unpublish(type: PublishableTrackType, method: string): Promise<void>;
  /** Calls `listener` on each change of the local participant; returns the function that stops it. */
  onLocalChange(listener: () => void): () => void;
}
