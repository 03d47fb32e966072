import type { CoordinatorEvent } from '../events/event-map';
import type { CallStatsReport } from '../store/call-stats-report';
import type { PublishableTrackType, TrackType } from './track-type';

/** The size a remote video is shown at, in device pixels; `0 x 0` when it is not shown (hidden, off screen). */
export interface VideoDimension {
  /** The width, in device pixels (CSS pixels times `devicePixelRatio`). */
  readonly width: number;
  /** The height, in device pixels. */
  readonly height: number;
}

/**
 * The media of one joined call, whatever its topology: a mesh of peer connections
 * (`MediaSession`) or a publisher and a subscriber connection to the SFU (`SfuSession`). The
 * `Call` talks to this only, so an app does not change a line between the two.
 *
 * Implementations must publish and unpublish through the coordinator (`UpdatePublishedTracks`),
 * attach remote participants' streams to the store, refresh `callStatsReport$`, react to the
 * call's folded events in `onEvent`, and leave no connection or track behind on `close`.
 */
export interface CallMedia {
  /** Publishes the first track of `stream` of the kind `type` needs. `method` names the public method, for errors. */
  publish(type: PublishableTrackType, stream: MediaStream, method: string): Promise<void>;
  /** Stops publishing `type` (mute). */
  stopPublish(type: TrackType, method?: string): Promise<void>;
  /** The call's peer connections now (the device layer reads levels and connection quality from them). */
  readonly peerConnections: readonly RTCPeerConnection[];
  /** Whether the server elects the dominant speaker (an SFU hears everyone); else the SDK does, from the levels received. */
  readonly serverElectsSpeaker?: boolean;
  /** The media statistics now. */
  getStats(): Promise<CallStatsReport>;
  /** Reacts to an event of the call, already folded into the store. */
  onEvent(event: CoordinatorEvent): void;
  /** Events were lost beyond the replay buffer (a re-sync): signalling starts afresh. */
  resync(): void;
  /** Ends the call's media: stops published tracks, closes every connection. Idempotent. */
  close(): void;
  /**
   * The size a remote participant's video is shown at (`undefined`: no preference), so that an
   * SFU sends the simulcast layer that fits, or nothing for `0 x 0`. A mesh has no layers: it
   * need not implement it.
   */
  setVideoPreference?(sessionId: string, trackType: TrackType.VIDEO | TrackType.SCREEN_SHARE, size: VideoDimension | undefined): void;
}
