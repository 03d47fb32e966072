import type { Logger } from '../config/logger';
import type { StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import { StreamVideoError } from '../errors/stream-video-error';
import type { ParticipantMedia } from '../store/participant-table';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import { isAudioTrackType, isPublishableTrackType, TRACK_CAPABILITIES, TRACK_TYPES, TrackType, type PublishableTrackType } from './track-type';

/** The stream property of a participant for each track type. */
export const MEDIA_KEYS: Record<PublishableTrackType, keyof ParticipantMedia> = {
  [TrackType.AUDIO]: 'audioStream',
  [TrackType.VIDEO]: 'videoStream',
  [TrackType.SCREEN_SHARE]: 'screenShareStream',
  [TrackType.SCREEN_SHARE_AUDIO]: 'screenShareAudioStream',
};

/** One published track: the track, the app's stream it came in, and what the local participant shows (the track alone). */
export interface PublishedTrack {
  readonly track: MediaStreamTrack;
  readonly stream: MediaStream;
  readonly preview: MediaStream;
}

/** What {@link LocalTracks} is made with: the call, the session, and how the topology sends a track. */
export interface LocalTracksOptions {
  /** The call's type and id, and this session's id in it. */
  readonly type: string;
  readonly id: string;
  readonly sessionId: string;
  readonly coordinator: StreamCoordinatorClient;
  readonly rpc: RpcSession;
  readonly store: StreamVideoWriteableStateStore<unknown>;
  readonly logger: Logger;
  /** The connected user's capabilities in the call now. */
  ownCapabilities(): readonly string[];
  /**
   * Sends `track` as `type` on the call's connections (every peer in a mesh, the publisher
   * connection to an SFU), or stops sending that type (`null`); never a renegotiation for a
   * type already sent.
   */
  send(type: PublishableTrackType, track: MediaStreamTrack | null, stream?: MediaStream): Promise<void>;
}

/**
 * The tracks this session publishes in a call, whatever the topology: publishing checks the
 * stream and the capability, announces the track to the coordinator (`UpdatePublishedTracks`,
 * which checks the capability and the publisher limit again), sends it through the topology's
 * `send`, and shows it on the local participant. The SDK owns the tracks: it stops a track
 * when it is replaced, unpublished, revoked or when the call ends, and unpublishes a track the
 * browser ended (the "Stop sharing" bar, a camera unplugged). Operations run one at a time.
 *
 * ```ts
 * const tracks = new LocalTracks({ ...call, coordinator, rpc, store, logger, ownCapabilities, send: (type, track) => peer.setTrack(type, track) });
 * await tracks.publish(TrackType.VIDEO, cameraStream, 'publishVideoStream');
 * tracks.close();
 * ```
 */
export class LocalTracks {
  private readonly published = new Map<PublishableTrackType, PublishedTrack>();
  /** The published tracks the coordinator knows of. */
  private announced: readonly TrackType[] = [];
  private ops: Promise<unknown> = Promise.resolve();
  private closed = false;

  constructor(private readonly o: LocalTracksOptions) {}

  /** How many track types are published. */
  get size(): number {
    return this.published.size;
  }

  /** The published tracks, by type. */
  entries(): IterableIterator<[PublishableTrackType, PublishedTrack]> {
    return this.published.entries();
  }

  /**
   * Publishes the first track of `stream` of the kind `type` needs (audio for `AUDIO` and
   * `SCREEN_SHARE_AUDIO`, video otherwise). A type already published gets the new track, and
   * the old one stops.
   * @param method the public method, for errors.
   * @throws StreamVideoError `invalid_argument` (no such track), `permission_denied`,
   *   `resource_exhausted` (the publisher limit), `failed_precondition` (the call was left).
   */
  publish(type: PublishableTrackType, stream: MediaStream, method: string): Promise<void> {
    return this.serialize(async () => {
      if (!stream || typeof (stream as Partial<MediaStream>).getTracks !== 'function')
        throw StreamVideoError.invalidArgument(method, 'stream', 'must be a MediaStream');
      const audio = isAudioTrackType(type);
      const track = audio ? stream.getAudioTracks()[0] : stream.getVideoTracks()[0];
      if (!track || track.readyState === 'ended')
        throw StreamVideoError.invalidArgument(method, 'stream', `must hold a live ${audio ? 'audio' : 'video'} track`);
      this.requireOpen(method);
      const capability = TRACK_CAPABILITIES[type];
      if (!this.o.ownCapabilities().includes(capability))
        throw new StreamVideoError('permission_denied', `publishing needs the "${capability}" capability`, { method, meta: { capability } });
      if (!this.announced.includes(type)) await this.announce([...this.announced, type], method);
      this.requireOpen(method);
      const before = this.published.get(type);
      if (before?.track === track) return;
      const preview = typeof MediaStream === 'function' ? new MediaStream([track]) : stream;
      this.published.set(type, { track, stream, preview });
      track.addEventListener?.('ended', () => {
        if (this.published.get(type)?.track === track)
          this.stopPublish(type).catch((err: unknown) =>
            this.o.logger('warn', 'could not unpublish an ended track', { code: StreamVideoError.from(err).code }),
          );
      });
      await this.o.send(type, track, stream);
      if (before && before.track !== track) before.track.stop();
      this.showLocal();
    });
  }

  /** Stops publishing `type`: stops the track, sends nothing more of it and tells the coordinator. Nothing published of that type changes nothing. */
  stopPublish(type: TrackType, method = 'stopPublish'): Promise<void> {
    return this.serialize(async () => {
      if (!isPublishableTrackType(type))
        throw StreamVideoError.invalidArgument(method, 'trackType', 'must be TrackType.AUDIO, VIDEO, SCREEN_SHARE or SCREEN_SHARE_AUDIO');
      this.requireOpen(method);
      await this.unpublish(type);
      if (this.announced.includes(type))
        await this.announce(
          this.announced.filter((t) => t !== type),
          method,
        );
    });
  }

  /** The user's own capabilities changed: each published type they no longer allow stops here (the coordinator unpublished it already). */
  capabilitiesChanged(ownCapabilities: readonly string[]): void {
    for (const type of TRACK_TYPES) {
      if (this.published.has(type) && !ownCapabilities.includes(TRACK_CAPABILITIES[type])) {
        void this.serialize(async () => {
          await this.unpublish(type);
          this.announced = this.announced.filter((t) => t !== type);
        });
      }
    }
  }

  /** The call ended for this session: every published track stops. Idempotent. */
  close(): void {
    this.closed = true;
    for (const p of this.published.values()) p.track.stop();
    this.published.clear();
  }

  private async unpublish(type: PublishableTrackType): Promise<void> {
    const published = this.published.get(type);
    if (!published) return;
    this.published.delete(type);
    published.track.stop();
    await this.o.send(type, null);
    this.showLocal();
  }

  private async announce(tracks: TrackType[], method: string): Promise<void> {
    const { participant } = await this.o.coordinator.updatePublishedTracks(
      { type: this.o.type, id: this.o.id, sessionId: this.o.sessionId, publishedTracks: tracks },
      { idempotent: true, session: this.o.rpc },
    );
    if (!participant) throw new StreamVideoError('internal', 'the answer lacks the participant', { method });
    this.announced = participant.publishedTracks;
  }

  /** Shows the published tracks on the local participant. */
  private showLocal(): void {
    if (this.closed) return;
    const media: ParticipantMedia = {};
    for (const [type, p] of this.published) (media as Record<string, MediaStream>)[MEDIA_KEYS[type]] = p.preview;
    this.o.store.updateParticipants((t) => t.setMedia(this.o.sessionId, media));
  }

  private requireOpen(method: string): void {
    if (this.closed) throw new StreamVideoError('failed_precondition', 'the call was left', { method });
  }

  private serialize<T>(work: () => Promise<T>): Promise<T> {
    const run = this.ops.then(work, work);
    this.ops = run.catch(() => {});
    return run;
  }
}
