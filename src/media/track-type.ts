import { TrackType } from '../../gen/stream/video/coordinator/v1/models';

export { TrackType };

/**
 * The capability that publishing each kind of track needs, shared by the SDK and the local
 * coordinator: `send-audio`, `send-video`, `screenshare` (a shared screen and its audio).
 *
 * ```ts
 * if (call.ownCapabilities.includes(TRACK_CAPABILITIES[TrackType.VIDEO])) await call.publishVideoStream(stream);
 * ```
 */
export const TRACK_CAPABILITIES: Readonly<Record<PublishableTrackType, string>> = Object.freeze({
  [TrackType.AUDIO]: 'send-audio',
  [TrackType.VIDEO]: 'send-video',
  [TrackType.SCREEN_SHARE]: 'screenshare',
  [TrackType.SCREEN_SHARE_AUDIO]: 'screenshare',
});

/** A track type that can be published: every {@link TrackType} but `UNSPECIFIED`. */
export type PublishableTrackType = TrackType.AUDIO | TrackType.VIDEO | TrackType.SCREEN_SHARE | TrackType.SCREEN_SHARE_AUDIO;

/** The publishable track types, in the order the schema lists them. */
export const TRACK_TYPES: readonly PublishableTrackType[] = Object.freeze([
  TrackType.AUDIO,
  TrackType.VIDEO,
  TrackType.SCREEN_SHARE,
  TrackType.SCREEN_SHARE_AUDIO,
]);

/** Whether a track type carries audio: `AUDIO` and `SCREEN_SHARE_AUDIO`. */
export function isAudioTrackType(type: TrackType): boolean {
  return type === TrackType.AUDIO || type === TrackType.SCREEN_SHARE_AUDIO;
}

/** Whether `value` names a publishable track type. */
export function isPublishableTrackType(value: unknown): value is PublishableTrackType {
  return value === TrackType.AUDIO || value === TrackType.VIDEO || value === TrackType.SCREEN_SHARE || value === TrackType.SCREEN_SHARE_AUDIO;
}
