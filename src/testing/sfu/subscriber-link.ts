import type { Jsep } from 'janode';
import type { SubscriptionStream, VideoRoomHandle } from 'janode/plugins/videoroom';
import { PeerType, SdpType, TrackType, type Signal, type TrackSubscription } from '../../../gen/stream/video/coordinator/v1/models';
import { JanusError } from './janus-error';
import type { FeedStream, RoomContext } from './room-context';
import { SerialQueue } from './serial-queue';

/** The nominal size of each simulcast layer, lowest first (the SDK captures 1280x720 and sends a quarter, a half and all of it). */
const LAYERS = [
  { width: 320, height: 180 },
  { width: 640, height: 360 },
  { width: 1280, height: 720 },
] as const;

/** The VideoRoom's error code for a feed or a mid that is gone (a publisher left meanwhile). */
const NO_SUCH_FEED = 428;
/** Attempts at an update refused because a publisher left meanwhile. */
const UPDATE_ATTEMPTS = 3;
/**
 * How long a layer switch may wait for its keyframe before it is asked again, in ms, and how
 * many times in all. Janus switches only on a keyframe of the new layer and asks the publisher
 * for one once, when configured; that request may be dropped (Janus sends at most one a second
 * per stream, libwebrtc ignores one within 300 ms of another), and VP8 sends no other keyframe
 * for minutes: without asking again, a switch up from a lower layer never happened here.
 */
const SWITCH_RETRY_MS = 600;
const SWITCH_RETRIES = 6;

/** What the SFU forwards of one video stream: nothing, or one simulcast layer (0 lowest, 2 highest). */
export type LayerChoice = { readonly send: false } | { readonly send: true; readonly substream: 0 | 1 | 2 };

/**
 * The layer for a video shown at `width` x `height` device pixels: the smallest one at least
 * that large (the highest when none is); nothing for 0x0. No preference: the highest.
 */
export function layerFor(pref: { width: number; height: number } | undefined): LayerChoice {
  if (!pref) return { send: true, substream: 2 };
  if (pref.width === 0 && pref.height === 0) return { send: false };
  const i = LAYERS.findIndex((l) => l.width >= pref.width && l.height >= pref.height);
  return { send: true, substream: (i < 0 ? 2 : i) as 0 | 1 | 2 };
}

const key = (feed: number | undefined, mid: string | undefined) => `${feed}\n${mid}`;

/**
 * A session's subscriber connection at the SFU: one VideoRoom subscriber handle at Janus that
 * carries every other publisher's streams. It starts with the session's first subscriber
 * signal. Janus makes the offers (on the first subscription and on each update), the session
 * answers; one negotiation at a time: changes that come while an offer waits for its answer
 * are made after it, together. The session's `SubscriptionUpdate`s pick each video's
 * simulcast layer, or none (`configure` of the stream at Janus). A signal of a newer
 * generation drops the handle and starts a new one.
 *
 * ```ts
 * const link = new SubscriberLink(room, 'bob-session');
 * link.accept(signal); // a SubscriptionUpdate, an answer, a candidate, an ICE restart
 * link.sync();         // publishers changed
 * await link.close();
 * ```
 */
export class SubscriberLink {
  private generation = 0;
  private handle: VideoRoomHandle | undefined;
  /** Janus closed the handle's connection (the client closed it, or ICE failed): what was in flight for it may fail. */
  private hungUp = false;
  /** The handle's connection is up (Janus's `webrtcup`). */
  private up = false;
  /** The subscription as Janus described it last. */
  private streams: SubscriptionStream[] = [];
  private awaitingAnswer = false;
  /** Publishers changed while an offer waited for its answer. */
  private dirty = false;
  private started = false;
  private prefs = new Map<string, { width: number; height: number }>();
  /** What each subscription mid was last configured to, to send only changes. */
  private readonly applied = new Map<string, string>();
  /** Layer switches Janus has not confirmed yet, by mid: the layer, and the requests made. */
  private readonly switching = new Map<string, { substream: number; tries: number }>();
  private switchTimer: ReturnType<typeof setTimeout> | undefined;
  private readonly queue: SerialQueue;
  private closed = false;

  constructor(
    private readonly room: RoomContext,
    readonly sessionId: string,
  ) {
    // A request for a connection Janus closed meanwhile (a client leaving) may fail: no error.
    this.queue = new SerialQueue((err) => {
      if (!this.hungUp) room.report(err, `sfu subscriber ${sessionId}`);
    });
  }

  /** Applies a signal of the session's subscriber connection (already checked), after those before it. */
  accept(signal: Signal): void {
    this.queue.push(() => this.apply(signal));
  }

  /** Publishers came, changed or went: the subscription follows (after the offer in flight, if any). */
  sync(): void {
    if (!this.started) return;
    if (this.awaitingAnswer) {
      this.dirty = true;
      return;
    }
    this.queue.push(() => this.reconcile());
  }

  /** Leaves the SFU: the handle is detached. Idempotent. */
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
    switch (kind.oneofKind) {
      case 'subscriptionUpdate':
        this.prefs = new Map(
          kind.subscriptionUpdate.tracks.map((t: TrackSubscription) => [`${t.sessionId}\n${t.trackType}`, { width: t.width, height: t.height }]),
        );
        if (!this.started) {
          this.started = true;
          return this.reconcile();
        }
        return this.applyLayers();
      case 'description':
        if (kind.description.type !== SdpType.ANSWER || !this.handle || !this.awaitingAnswer) return;
        await this.room.api.request(this.handle.start({ jsep: { type: 'answer', sdp: kind.description.sdp } }), 'start a subscription');
        this.awaitingAnswer = false;
        await this.applyLayers();
        if (this.dirty) {
          this.dirty = false;
          await this.reconcile();
        }
        return;
      case 'candidate': {
        if (!this.handle) return;
        const c = kind.candidate;
        if (c.candidate === '') return this.room.api.request(this.handle.trickleComplete(), 'end the candidates');
        return this.room.api.request(
          this.handle.trickle({ candidate: c.candidate, sdpMid: c.sdpMid || undefined, sdpMLineIndex: c.sdpMLineIndex >= 0 ? c.sdpMLineIndex : undefined }),
          'trickle a candidate',
        );
      }
      case 'iceRestart': {
        if (!this.handle) return;
        if (this.awaitingAnswer) {
          this.dirty = true;
          return;
        }
        const answer = await this.room.api.request(this.handle.configure({ restart: true }), 'restart ICE');
        if (answer.jsep) this.offer(answer.jsep, this.streams);
        return;
      }
      default:
        return;
    }
  }

  /** Subscribes to the streams the session should receive and drops the ones it should not, in one negotiation. */
  private async reconcile(attempt = 0): Promise<void> {
    if (this.closed) return;
    // An offer waits for its answer (made by a reconcile queued before this one): after it.
    if (this.awaitingAnswer) {
      this.dirty = true;
      return;
    }
    const wanted = new Map(this.room.streamsFor(this.sessionId).map((s) => [key(s.feed, s.mid), s]));
    const have = new Set(this.streams.filter((s) => s.active !== false && s.feed_id !== undefined).map((s) => key(s.feed_id, s.feed_mid)));
    // Each new video asks for its layer at once: a layer changed later costs a keyframe request.
    const subscribe = [...wanted].filter(([k]) => !have.has(k)).map(([, s]) => ({ feed: s.feed, mid: s.mid, ...this.layerOf(s) }));
    // Compared with the subscription as Janus offered it last: a stream whose publisher left
    // since is inactive at Janus already, and unsubscribing it renegotiates it away.
    const unsubscribe = this.streams
      .filter((s) => s.feed_id !== undefined && s.active !== false && !wanted.has(key(s.feed_id, s.feed_mid)))
      .map((s) => ({ sub_mid: s.mid }));
    try {
      if (!this.handle) {
        if (subscribe.length === 0) return;
        const handle = await this.room.api.attach();
        if (this.closed) {
          await handle.detach().catch(() => {});
          return;
        }
        this.handle = handle;
        this.listen(handle);
        const joined = await this.room.api.request(
          handle.joinSubscriber({ room: this.room.roomId, streams: subscribe, autoupdate: false }),
          'join as a subscriber',
        );
        if (joined.jsep) this.offer(joined.jsep, joined.streams ?? []);
        return;
      }
      if (subscribe.length === 0 && unsubscribe.length === 0) return;
      // Janus refuses an empty list: only the lists that hold something.
      const updated = await this.room.api.request(
        this.handle.update({ subscribe: subscribe.length > 0 ? subscribe : undefined, unsubscribe: unsubscribe.length > 0 ? unsubscribe : undefined }),
        'update a subscription',
      );
      if (updated.jsep) this.offer(updated.jsep, updated.streams ?? this.streams);
      else if (updated.streams) this.streams = updated.streams;
    } catch (err) {
      // A publisher left between the look-up and the request: look again.
      if (err instanceof JanusError && err.janusCode === NO_SUCH_FEED && attempt + 1 < UPDATE_ATTEMPTS) return this.reconcile(attempt + 1);
      throw err;
    }
  }

  /**
   * The layer to subscribe to a stream's video at. Janus takes a substream with the
   * subscription but not `send: false` (the video flows): a video not to show is configured
   * once the connection is up, as a change.
   */
  private layerOf(source: FeedStream): { substream?: number } {
    const choice = source.type === TrackType.AUDIO ? undefined : layerFor(this.prefs.get(`${source.sessionId}\n${source.type}`));
    return choice?.send ? { substream: choice.substream } : {};
  }

  /** Sends Janus's offer to the session, with each mid's participant and track type. */
  private offer(jsep: Jsep, streams: SubscriptionStream[]): void {
    this.streams = streams;
    this.awaitingAnswer = true;
    const trackTypes: Record<string, TrackType> = {};
    const trackSessionIds: Record<string, string> = {};
    for (const s of streams) {
      const source = this.source(s);
      if (!source) continue;
      trackTypes[s.mid] = source.type;
      trackSessionIds[s.mid] = source.sessionId;
      // A new video got its layer with the subscription: nothing to configure for it (no video: see layerOf).
      const choice = layerFor(this.prefs.get(`${source.sessionId}\n${source.type}`));
      if (s.type === 'video' && !this.applied.has(s.mid) && choice.send) this.applied.set(s.mid, JSON.stringify(choice));
    }
    this.room.send(this.sessionId, PeerType.SUBSCRIBER, this.generation, {
      oneofKind: 'description',
      description: { type: SdpType.OFFER, sdp: jsep.sdp, trackTypes, trackSessionIds },
    });
  }

  private source(s: SubscriptionStream): FeedStream | undefined {
    return s.feed_id === undefined || s.feed_mid === undefined || s.active === false ? undefined : this.room.stream(s.feed_id, s.feed_mid);
  }

  /**
   * Configures at Janus the layer (or no video) of every subscribed video, where it changed;
   * only once the connection is up: a change costs a keyframe request, and one made before the
   * connection is up would hold back the one Janus makes then (the publisher's browser
   * ignores keyframe requests that come too close together).
   */
  private async applyLayers(): Promise<void> {
    if (!this.handle || this.awaitingAnswer || !this.up) return;
    const changes: Record<string, unknown>[] = [];
    for (const s of this.streams) {
      const source = this.source(s);
      if (s.type !== 'video' || !source) continue;
      const choice = layerFor(this.prefs.get(`${source.sessionId}\n${source.type}`));
      const wanted = JSON.stringify(choice);
      if (this.applied.get(s.mid) === wanted) continue;
      changes.push(choice.send ? { mid: s.mid, send: true, substream: choice.substream } : { mid: s.mid, send: false });
      this.applied.set(s.mid, wanted);
    }
    if (changes.length === 0) return;
    await this.room.api.request(this.handle.configure({ streams: changes }), 'choose video layers');
    for (const c of changes) {
      if (typeof c.substream === 'number') this.switching.set(c.mid as string, { substream: c.substream, tries: 1 });
      else this.switching.delete(c.mid as string);
    }
    this.watchSwitches();
  }

  /** Asks again for the layer switches Janus has not made after a while (their keyframe request was ignored). */
  private watchSwitches(): void {
    if (this.switchTimer !== undefined || this.switching.size === 0 || this.closed) return;
    this.switchTimer = setTimeout(() => {
      this.switchTimer = undefined;
      this.queue.push(async () => {
        const again = [...this.switching].filter(([, s]) => s.tries < SWITCH_RETRIES);
        for (const [mid, s] of this.switching) if (s.tries >= SWITCH_RETRIES) this.switching.delete(mid);
        if (again.length === 0 || !this.handle) return;
        for (const [, s] of again) s.tries++;
        await this.room.api.request(this.handle.configure({ streams: again.map(([mid, s]) => ({ mid, substream: s.substream })) }), 'ask for a layer again');
        this.watchSwitches();
      });
    }, SWITCH_RETRY_MS);
  }

  private listen(handle: VideoRoomHandle): void {
    // Janus switched a video's layer (or it was on it already): that switch is done.
    handle.on('videoroom_sc_substream_layer', (data) => {
      const mid = data.mid as string | undefined;
      if (this.handle === handle && mid !== undefined && this.switching.get(mid)?.substream === data.sc_substream_layer) this.switching.delete(mid);
    });
    handle.on(this.room.events.HANDLE_WEBRTCUP, () => {
      if (this.handle !== handle || this.closed) return;
      this.up = true;
      this.queue.push(() => this.applyLayers());
    });
    // Janus makes an offer by itself when an update it postponed becomes possible.
    handle.on('videoroom_updated', (data) => {
      const jsep = data.jsep as Jsep | undefined;
      if (this.handle !== handle || this.closed || !jsep) return;
      this.queue.push(async () => this.offer(jsep, (data.streams as SubscriptionStream[] | undefined) ?? this.streams));
    });
    handle.on(this.room.events.HANDLE_HANGUP, () => {
      // Janus closed the connection (the client closed it, ICE failed): the session's next generation starts afresh.
      if (this.handle !== handle) return;
      this.hungUp = true;
      this.queue.push(() => this.drop());
    });
  }

  private async drop(): Promise<void> {
    const handle = this.handle;
    this.handle = undefined;
    this.hungUp = false;
    this.up = false;
    this.switching.clear();
    clearTimeout(this.switchTimer);
    this.switchTimer = undefined;
    // A new generation starts with its first signal (the SDK's first is a SubscriptionUpdate).
    this.started = false;
    this.streams = [];
    this.applied.clear();
    this.awaitingAnswer = false;
    this.dirty = false;
    if (handle && this.room.api.usable)
      await this.room.api.request(handle.detach(), 'detach a subscriber').catch((err: unknown) => this.room.report(err, 'sfu detach'));
  }
}
