import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import type { PeerType, Signal, TrackType } from '../../../gen/stream/video/coordinator/v1/models';
import type { JanusApi } from './janus-api';

/** What a signal from the SFU carries. */
export type SfuSignalKind = Signal['kind'];

/** A stream a publisher sends to the SFU: its feed, its mid there, and its track type. */
export interface FeedStream {
  readonly feed: number;
  readonly mid: string;
  readonly sessionId: string;
  readonly type: TrackType;
}

/** The janode event names the links listen to. */
export interface JanodeEvents {
  readonly HANDLE_WEBRTCUP: string;
  readonly HANDLE_HANGUP: string;
  readonly HANDLE_DETACHED: string;
}

/** What the publisher and subscriber links of a session need from their call's room. */
export interface RoomContext {
  /** The VideoRoom's id at Janus. */
  readonly roomId: number;
  /** The Janus API session (one per Janus process). */
  readonly api: JanusApi;
  /** The handle the room was created with: moderation requests go through it. */
  readonly admin: VideoRoomHandle;
  readonly events: JanodeEvents;
  /** Sends a signal from the SFU to a session of the call (a `call.signal` event). */
  send(sessionId: string, peerType: PeerType, generation: number, kind: SfuSignalKind): void;
  /** A publisher's streams came up, changed or went away: subscriptions follow. */
  feedsChanged(): void;
  /** The streams of every other session's publisher that is up, for `sessionId` to subscribe to. */
  streamsFor(sessionId: string): FeedStream[];
  /** The stream a subscription's `feed_id` and `feed_mid` name, when it is known. */
  stream(feed: number, mid: string): FeedStream | undefined;
  /** Whether the user of `sessionId` may publish `type` now (their capabilities in the call). */
  mayPublish(sessionId: string, type: TrackType): boolean;
  /** Janus says whether `sessionId`'s microphone carries speech now (its `talking` events). */
  talking(sessionId: string, talking: boolean): void;
  /** Reports an unexpected failure (the coordinator's `onError`). */
  report(err: unknown, where: string): void;
}
