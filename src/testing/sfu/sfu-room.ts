import { randomUUID } from 'node:crypto';
import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import { PeerType, type Signal, type TrackType } from '../../../gen/stream/video/coordinator/v1/models';
import { TRACK_CAPABILITIES } from '../../media/track-type';
import type { CallRecord } from '../state/call-record';
import type { EventPayload } from '../state/coordinator-state';
import type { JanusApi } from './janus-api';
import { PublisherLink } from './publisher-link';
import type { FeedStream, JanodeEvents, RoomContext, SfuSignalKind } from './room-context';
import { SubscriberLink } from './subscriber-link';

/**
 * When Janus says a publisher talks: the mean audio level (RFC 6464, in -dBov: 0 loudest, 127
 * silence) of its last `packets` audio packets is under `level`. 25 packets of 20 ms: a
 * speaker is heard within half a second; Janus's own default waits 2 s.
 */
const TALKING = { level: 50, packets: 25 };

/** What an {@link SfuRoom} is made with. */
export interface SfuRoomDeps {
  readonly api: JanusApi;
  readonly events: JanodeEvents;
  /** Publishes an event about the call to users (the coordinator's hub). */
  publish(userIds: Iterable<string>, call: CallRecord, payload: EventPayload): void;
  report(err: unknown, where: string): void;
}

/**
 * The SFU side of one SFU call on one Janus: a VideoRoom, the session id that stands for the
 * SFU in the call's signalling, and a publisher and a subscriber link per participant session
 * (made by the session's first signal of each kind). Signals from the SFU go to the sessions
 * as `call.signal` events numbered per session. The dominant speaker is the participant who
 * started talking last, by Janus's `talking` events: the participants hear of each change as
 * `call.dominant_speaker_changed` (a speaker who stops stays dominant until another talks).
 *
 * ```ts
 * const room = await SfuRoom.create(deps, call, 1);
 * room.relay(participant, signals); // checked and deduplicated by SendSignals
 * await room.close();
 * ```
 */
export class SfuRoom implements RoomContext {
  /** The session id that stands for the SFU in this call's signals (`Credentials.sfu_session_id`). */
  readonly sfuSessionId = `sfu-${randomUUID()}`;
  private readonly publishers = new Map<string, PublisherLink>();
  private readonly subscribers = new Map<string, SubscriberLink>();
  /** The last `seq` sent to each session. */
  private readonly sent = new Map<string, number>();
  /** The dominant speaker the participants were told of last: the session that started talking last. */
  private dominant: string | undefined;
  private closed = false;

  private constructor(
    private readonly deps: SfuRoomDeps,
    private readonly call: CallRecord,
    readonly roomId: number,
    readonly admin: VideoRoomHandle,
  ) {}

  /**
   * Creates the call's VideoRoom at Janus (VP8 and Opus; the call's publisher limit), recording
   * every publisher into `recordFolder` when one is given.
   * @throws JanusError when Janus refuses or is gone.
   */
  static async create(deps: SfuRoomDeps, call: CallRecord, roomId: number, recordFolder?: string): Promise<SfuRoom> {
    const admin = await deps.api.attach();
    try {
      await deps.api.request(
        admin.create({
          room: roomId,
          description: call.cid,
          max_publishers: call.settings.media?.maxPublishers || 1,
          videocodec: 'vp8',
          audiocodec: 'opus',
          notify_joining: false,
          talking_events: true,
          talking_level_threshold: TALKING.level,
          talking_packets_threshold: TALKING.packets,
          ...(recordFolder ? { record: true, rec_dir: recordFolder } : {}),
        }),
        'create a room',
      );
    } catch (err) {
      await admin.detach().catch(() => {});
      throw err;
    }
    return new SfuRoom(deps, call, roomId, admin);
  }

  get api(): JanusApi {
    return this.deps.api;
  }

  get events(): JanodeEvents {
    return this.deps.events;
  }

  /** Sessions that hold a publisher at the SFU now. */
  publishingSessions(): Set<string> {
    return new Set([...this.publishers.values()].filter((p) => p.holdsPublisher).map((p) => p.sessionId));
  }

  /** Hands checked signals from `sessionId` to its publisher or subscriber link, in order. */
  relay(sessionId: string, signals: readonly Signal[]): void {
    if (this.closed) return;
    for (const signal of signals) {
      if (signal.peerType === PeerType.PUBLISHER) this.publisherOf(sessionId).accept(signal);
      else if (signal.peerType === PeerType.SUBSCRIBER) this.subscriberOf(sessionId).accept(signal);
    }
  }

  /** A session left the call: its links close, and its streams leave the others' subscriptions. */
  async left(sessionId: string): Promise<void> {
    const publisher = this.publishers.get(sessionId);
    const subscriber = this.subscribers.get(sessionId);
    this.publishers.delete(sessionId);
    this.subscribers.delete(sessionId);
    this.sent.delete(sessionId);
    // The participants forget a dominant speaker who leaves: the next one to talk is announced.
    if (this.dominant === sessionId) this.dominant = undefined;
    await Promise.all([publisher?.close(), subscriber?.close()]);
  }

  /** A user's capabilities changed: their streams are muted or unmuted at Janus to match. */
  permissionsChanged(userId: string): void {
    for (const link of this.publishers.values()) if (this.call.participants.get(link.sessionId)?.userId === userId) link.permissionsChanged();
  }

  /**
   * Records every publisher of the room (those who publish later too) into `folder`, one
   * `.mjr` file per stream, or stops recording (undefined): Janus has closed the files when it
   * resolves.
   * @throws JanusError when Janus refuses or is gone.
   */
  async record(folder: string | undefined): Promise<void> {
    if (this.closed) return;
    if (folder) await this.api.request(this.admin.message({ request: 'edit', room: this.roomId, new_rec_dir: folder }), 'set the recordings folder');
    await this.api.request(this.admin.message({ request: 'enable_recording', room: this.roomId, record: folder !== undefined }), 'switch recording');
  }

  /** Destroys the room and every handle (Janus still running), or forgets them (Janus gone). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const links = [...this.publishers.values(), ...this.subscribers.values()];
    this.publishers.clear();
    this.subscribers.clear();
    await Promise.all(links.map((link) => link.close()));
    if (!this.api.usable) return;
    await this.api.request(this.admin.destroy({ room: this.roomId }), 'destroy a room').catch((err: unknown) => this.deps.report(err, 'sfu destroy'));
    await this.api.request(this.admin.detach(), 'detach').catch(() => {});
  }

  send(sessionId: string, peerType: PeerType, generation: number, kind: SfuSignalKind): void {
    const record = this.call.participants.get(sessionId);
    if (this.closed || !record) return;
    const seq = (this.sent.get(sessionId) ?? 0) + 1;
    this.sent.set(sessionId, seq);
    this.deps.publish([record.userId], this.call, {
      oneofKind: 'callSignal',
      callSignal: { fromUserId: '', fromSessionId: this.sfuSessionId, toSessionId: sessionId, signals: [{ seq, generation, peerType, kind }] },
    });
  }

  talking(sessionId: string, talking: boolean): void {
    const record = this.call.participants.get(sessionId);
    if (this.closed || !talking || !record || this.dominant === sessionId) return;
    this.dominant = sessionId;
    this.deps.publish(new Set([...this.call.participants.values()].map((p) => p.userId)), this.call, {
      oneofKind: 'dominantSpeakerChanged',
      dominantSpeakerChanged: { userId: record.userId, sessionId },
    });
  }

  feedsChanged(): void {
    if (this.closed) return;
    for (const link of this.subscribers.values()) link.sync();
  }

  streamsFor(sessionId: string): FeedStream[] {
    const out: FeedStream[] = [];
    for (const link of this.publishers.values()) if (link.sessionId !== sessionId) out.push(...link.streams());
    return out;
  }

  stream(feed: number, mid: string): FeedStream | undefined {
    for (const link of this.publishers.values()) {
      const found = link.stream(feed, mid);
      if (found) return found;
    }
    return undefined;
  }

  mayPublish(sessionId: string, type: TrackType): boolean {
    const userId = this.call.participants.get(sessionId)?.userId;
    const capability = TRACK_CAPABILITIES[type as keyof typeof TRACK_CAPABILITIES];
    return userId !== undefined && capability !== undefined && this.call.can(userId, capability);
  }

  report(err: unknown, where: string): void {
    if (!this.closed) this.deps.report(err, where);
  }

  private publisherOf(sessionId: string): PublisherLink {
    let link = this.publishers.get(sessionId);
    if (!link) this.publishers.set(sessionId, (link = new PublisherLink(this, sessionId)));
    return link;
  }

  private subscriberOf(sessionId: string): SubscriberLink {
    let link = this.subscribers.get(sessionId);
    if (!link) this.subscribers.set(sessionId, (link = new SubscriberLink(this, sessionId)));
    return link;
  }
}
