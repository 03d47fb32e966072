import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import { PeerType, SdpType, TrackType, type Signal } from '../../../gen/stream/video/coordinator/v1/models';
import type { FeedStream, RoomContext } from './room-context';
import { sdpSections, sends } from './sdp-sections';
import { SerialQueue } from './serial-queue';

/** How a published track is described at Janus (a VideoRoom stream's `description`). */
const DESCRIPTIONS: Record<TrackType, string> = {
  [TrackType.UNSPECIFIED]: 'unspecified',
  [TrackType.AUDIO]: 'audio',
  [TrackType.VIDEO]: 'video',
  [TrackType.SCREEN_SHARE]: 'screen_share',
  [TrackType.SCREEN_SHARE_AUDIO]: 'screen_share_audio',
};

/**
 * The type of each section an offer sends: the one `trackTypes` names for its mid, or, for a
 * section it does not name, AUDIO for audio and VIDEO (the camera) for video. Sections that
 * send nothing are left out.
 */
export function sentTrackTypes(sdp: string, trackTypes: { [mid: string]: TrackType }): Map<string, TrackType> {
  const out = new Map<string, TrackType>();
  for (const section of sdpSections(sdp)) {
    if (!sends(section) || (section.kind !== 'audio' && section.kind !== 'video')) continue;
    out.set(section.mid, trackTypes[section.mid] ?? (section.kind === 'audio' ? TrackType.AUDIO : TrackType.VIDEO));
  }
  return out;
}

/**
 * A session's publisher connection at the SFU: one VideoRoom publisher handle at Janus. The
 * session's offers are published (the first) or configured (the next ones) and Janus's
 * answers go back to it; its candidates are trickled. Once Janus says the connection is up
 * (`webrtcup`), its streams are offered to the other sessions' subscriptions. A stream of a
 * type its user may not publish (a revoked capability) is muted at Janus (`moderate`):
 * nothing of it is forwarded, whatever the client sends. Janus's `talking` events about
 * the session go to the room (the dominant speaker). A signal of a newer generation drops
 * the handle and starts a new one.
 *
 * ```ts
 * const link = new PublisherLink(room, 'alice-session');
 * link.accept(offerSignal);   // after the relay checked it
 * link.permissionsChanged();  // after a grant or a revoke
 * await link.close();
 * ```
 */
export class PublisherLink {
  private generation = 0;
  private handle: VideoRoomHandle | undefined;
  /** Janus closed the handle's connection (the client closed it, or ICE failed): what was in flight for it may fail. */
  private hungUp = false;
  private feedId: number | undefined;
  private published = false;
  private up = false;
  /** What the last accepted offer sends: type by mid. */
  private sending = new Map<string, TrackType>();
  /** Mids muted at Janus because their type may not be published. */
  private readonly moderated = new Set<string>();
  private readonly queue: SerialQueue;
  private closed = false;

  constructor(
    private readonly room: RoomContext,
    readonly sessionId: string,
  ) {
    // A request for a connection Janus closed meanwhile (a client leaving) may fail: no error.
    this.queue = new SerialQueue((err) => {
      if (!this.hungUp) room.report(err, `sfu publisher ${sessionId}`);
    });
  }

  /** Whether the session holds a publisher at the SFU (it counts against the publisher limit). */
  get holdsPublisher(): boolean {
    return this.handle !== undefined && this.published;
  }

  /** The streams the SFU receives from this session, once its connection is up. */
  streams(): FeedStream[] {
    if (!this.up || this.feedId === undefined) return [];
    const feed = this.feedId;
    return [...this.sending].map(([mid, type]) => ({ feed, mid, sessionId: this.sessionId, type }));
  }

  /** The stream of `mid`, when this link's feed is `feed`. */
  stream(feed: number, mid: string): FeedStream | undefined {
    const type = feed === this.feedId ? this.sending.get(mid) : undefined;
    return type === undefined ? undefined : { feed, mid, sessionId: this.sessionId, type };
  }

  /** Applies a signal of the session's publisher connection (already checked), after those before it. */
  accept(signal: Signal): void {
    this.queue.push(() => this.apply(signal));
  }

  /** The user's capabilities changed: mutes or unmutes the streams at Janus to match. */
  permissionsChanged(): void {
    this.queue.push(() => this.moderate());
  }

  /** Leaves the SFU: the session's streams stop for everyone. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.queue.close();
    await this.drop();
  }

  private async apply(signal: Signal): Promise<void> {
    if (this.closed || signal.generation < this.generation) return;
    if (signal.generation > this.generation) {
      await this.drop();
      this.generation = signal.generation;
    }
    const kind = signal.kind;
    if (kind.oneofKind === 'description' && kind.description.type === SdpType.OFFER) {
      const handle = await this.joined();
      const sending = sentTrackTypes(kind.description.sdp, kind.description.trackTypes);
      const descriptions = [...sending].map(([mid, type]) => ({ mid, description: DESCRIPTIONS[type] }));
      const jsep = { type: 'offer' as const, sdp: kind.description.sdp };
      const answer = this.published
        ? await this.room.api.request(handle.configure({ jsep, descriptions }), 'configure a publisher')
        : await this.room.api.request(handle.publish({ jsep, descriptions }), 'publish');
      if (this.closed || handle !== this.handle) return;
      this.published = true;
      this.sending = sending;
      if (!answer.jsep) throw new Error('Janus answered an offer without an SDP');
      this.room.send(this.sessionId, PeerType.PUBLISHER, this.generation, {
        oneofKind: 'description',
        description: { type: SdpType.ANSWER, sdp: answer.jsep.sdp, trackTypes: {}, trackSessionIds: {} },
      });
      await this.moderate();
      if (this.up) this.room.feedsChanged();
    } else if (kind.oneofKind === 'candidate' && this.handle) {
      const c = kind.candidate;
      const handle = this.handle;
      if (c.candidate === '') await this.room.api.request(handle.trickleComplete(), 'end the candidates');
      else
        await this.room.api.request(
          handle.trickle({ candidate: c.candidate, sdpMid: c.sdpMid || undefined, sdpMLineIndex: c.sdpMLineIndex >= 0 ? c.sdpMLineIndex : undefined }),
          'trickle a candidate',
        );
    }
  }

  /** The publisher handle, attached and joined to the room on first use. */
  private async joined(): Promise<VideoRoomHandle> {
    if (this.handle) return this.handle;
    const handle = await this.room.api.attach();
    if (this.closed) {
      await handle.detach().catch(() => {});
      throw new Error('the session left the SFU');
    }
    this.handle = handle;
    handle.on(this.room.events.HANDLE_WEBRTCUP, () => {
      if (this.handle !== handle || this.closed) return;
      this.up = true;
      this.room.feedsChanged();
    });
    // Janus tells every publisher who talks in the room; each link relays its own.
    handle.on('videoroom_talking', (data) => {
      if (this.handle === handle && data.feed === this.feedId) this.room.talking(this.sessionId, data.talking === true);
    });
    handle.on(this.room.events.HANDLE_HANGUP, () => {
      // Janus closed the connection (ICE or DTLS failed): it is unpublished there.
      if (this.handle !== handle) return;
      this.hungUp = true;
      const wasUp = this.up;
      this.up = false;
      this.published = false;
      this.moderated.clear();
      if (wasUp) this.room.feedsChanged();
    });
    const joined = await this.room.api.request(handle.joinPublisher({ room: this.room.roomId, display: this.sessionId }), 'join as a publisher');
    this.feedId = joined.feed;
    return handle;
  }

  /** Mutes at Janus every stream whose type the user may not publish now, and unmutes the others. */
  private async moderate(): Promise<void> {
    if (this.closed || !this.published || this.feedId === undefined) return;
    for (const [mid, type] of this.sending) {
      const mute = !this.room.mayPublish(this.sessionId, type);
      if (mute === this.moderated.has(mid)) continue;
      await this.room.api.request(
        this.room.admin.message({ request: 'moderate', room: this.room.roomId, id: this.feedId, mid, mute }),
        mute ? 'mute a stream' : 'unmute a stream',
      );
      if (mute) this.moderated.add(mid);
      else this.moderated.delete(mid);
    }
  }

  /** Detaches the handle (Janus unpublishes and leaves); the streams go away for everyone. */
  private async drop(): Promise<void> {
    const handle = this.handle;
    const wasUp = this.up;
    this.handle = undefined;
    this.hungUp = false;
    this.feedId = undefined;
    this.published = false;
    this.up = false;
    this.sending = new Map();
    this.moderated.clear();
    if (!handle) return;
    this.room.talking(this.sessionId, false);
    if (wasUp) this.room.feedsChanged();
    if (this.room.api.usable) await this.room.api.request(handle.detach(), 'detach a publisher').catch((err: unknown) => this.room.report(err, 'sfu detach'));
  }
}
