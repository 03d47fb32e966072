import { TrackType } from '../../gen/stream/video/coordinator/v1/models';
import type { JsonObject } from '../plain/plain-data';
import type { User } from '../plain/plain-types';

/**
 * The state of this session's media connection to a participant:
 * - `idle`: there is none: neither side publishes anything (always, for the local participant);
 * - `connecting`: the first connection is being set up;
 * - `connected`: media can flow both ways;
 * - `reconnecting`: the connection was lost, or a published track stalled, and the SDK is
 *   recovering it by itself: an ICE restart first, then a new connection (see the README,
 *   "Audio and video"). It goes back to `connected` once media can flow again.
 *
 * ```ts
 * if (p.mediaConnectionState === 'reconnecting') showSpinner(p.sessionId);
 * ```
 */
export type MediaConnectionState = 'idle' | 'connecting' | 'connected' | 'reconnecting';

/**
 * How a remote participant's published track arrives:
 * - `pending`: just published (or a new connection): nothing received yet, for less than the
 *   stall time;
 * - `receiving`: packets (audio) or decoded frames (video) keep arriving;
 * - `stalled`: published, but nothing arrived for 4 s (the stall time), or the track stayed
 *   muted that long: the SDK starts recovering the connection by itself, and the state turns
 *   back to `receiving` once media flows again;
 * - `ended`: it was published in this call and is no longer (unpublished or its capability
 *   revoked); a new publish makes it `pending` again.
 *
 * ```ts
 * const camera = p.trackStates[TrackType.VIDEO]; // 'receiving', 'stalled', ...
 * ```
 */
export type RemoteTrackState = 'pending' | 'receiving' | 'stalled' | 'ended';

/**
 * A participant's last reaction (`call.sendReaction`), in the store while it is shown: until
 * the client's `reactionTtlMs` (default 5 s) after the coordinator received it.
 */
export interface ParticipantReaction {
  /** What kind of reaction, e.g. `like`, `raised-hand`. */
  readonly type: string;
  /** The emoji to show, e.g. `:fireworks:` or `🎉`; `''` when none. */
  readonly emojiCode: string;
  /** The app's own data sent with it; `{}` when none. */
  readonly custom: JsonObject;
  /** When the coordinator received it. */
  readonly createdAt: Date;
}

/** A participant of the active call, as the store shows it. */
export interface StreamParticipant {
  /** The id of the participant's session (one device or tab). */
  readonly sessionId: string;
  /** The participant's user id, the same as `user.id`; one user may have several sessions. */
  readonly userId: string;
  /** The participant's user profile as the server sent it (empty strings when it sent none). */
  readonly user: User;
  /** The call role of the participant. */
  readonly role: string;
  /** When the participant joined the call; the epoch (`new Date(0)`) when the server did not say. */
  readonly joinedAt: Date;
  /** True for the connected user's own session. */
  readonly isLocalParticipant: boolean;
  /** Set with `setParticipantIsPinned`. */
  readonly isPinned: boolean;
  /**
   * The tracks the participant publishes now (`TrackType.AUDIO`, `VIDEO`, `SCREEN_SHARE`): a
   * type missing here is muted, whatever stream is attached.
   */
  readonly publishedTracks: readonly TrackType[];
  /** The participant's last reaction while it is shown (`call.reaction_new`); `undefined` when none. */
  readonly reaction?: ParticipantReaction;
  /** The participant's microphone: for a remote one, received while published; for the local one, what it publishes. */
  readonly audioStream?: MediaStream;
  /** The participant's camera: for a remote one, received while published; for the local one, what it publishes. */
  readonly videoStream?: MediaStream;
  /** The participant's shared screen: for a remote one, received while published; for the local one, what it publishes. */
  readonly screenShareStream?: MediaStream;
  /** The state of this session's media connection to the participant; `idle` for the local one. */
  readonly mediaConnectionState: MediaConnectionState;
  /**
   * How each track the remote participant publishes (or published) arrives, by track type;
   * empty for the local participant and before any track was published. Plain data.
   */
  readonly trackStates: Readonly<Partial<Record<TrackType, RemoteTrackState>>>;
  /** The audio of the participant's shared screen or tab (`TrackType.SCREEN_SHARE_AUDIO`), like `screenShareStream`. */
  readonly screenShareAudioStream?: MediaStream;
  /**
   * How loud the participant's microphone is now, from 0 (silence) to 1 (full scale), linear;
   * speech is mostly 0.02 to 0.4. Refreshed about 5 times a second while in a call: for a remote
   * participant from the level its sender puts in each audio packet (RFC 6464), for the local one
   * from its published microphone. 0 while muted.
   */
  readonly audioLevel: number;
  /** Whether the participant speaks now: its `audioLevel` reached 0.05 in the last 0.8 s. */
  readonly isSpeaking: boolean;
  /**
   * The quality of the participant's connection, from the media statistics: for a remote
   * participant, of what this session receives from it; for the local one, of what it sends (or,
   * publishing nothing, receives). `unknown` until there is something to measure. The thresholds
   * are in {@link ConnectionQuality}.
   */
  readonly connectionQuality: ConnectionQuality;
}

/**
 * A participant's connection quality, from the statistics of each interval (`statsIntervalMs`).
 * Each measure is rated, and the worst rating wins:
 *
 * | measure | `excellent` | `good` | `poor` |
 * | :--- | :--- | :--- | :--- |
 * | packets lost | under 2 % | under 10 % | 10 % or more |
 * | round trip | under 150 ms | under 400 ms | 400 ms or more |
 * | jitter | under 30 ms | under 100 ms | 100 ms or more |
 * | video frames | flowing | a freeze in the interval | none decoded while published |
 * | connection | connected | | disconnected or failed |
 *
 * `unknown`: nothing measured yet (no media exchanged with the participant).
 */
export type ConnectionQuality = 'excellent' | 'good' | 'poor' | 'unknown';

/** The media of a participant, as the media layer attaches it to the store. */
export type ParticipantMedia = Pick<StreamParticipant, 'audioStream' | 'videoStream' | 'screenShareStream' | 'screenShareAudioStream'>;

/** What the SDK measures of a participant's media: levels, speaking, connection quality. */
export type ParticipantInsights = Pick<StreamParticipant, 'audioLevel' | 'isSpeaking' | 'connectionQuality'>;

/** The health of a participant's media, as the media layer sets it in the store. */
export type ParticipantMediaHealth = Pick<StreamParticipant, 'mediaConnectionState' | 'trackStates'>;

/** No track states: what a participant shows before any track was published. */
export const NO_TRACK_STATES: StreamParticipant['trackStates'] = Object.freeze({});

/**
 * A read-only list of participants. Reading `size`, `get` and `has` costs O(1); `toArray()`
 * builds an array once per change of the list and caches it. A list reads the live table:
 * keep `toArray()`'s result when you need a copy that does not change.
 *
 * ```ts
 * client.readOnlyStateStore.remoteParticipants$.subscribe((list) => render(list.toArray()));
 * ```
 */
export interface ParticipantList extends Iterable<StreamParticipant> {
  /** How many participants are in the list now. O(1). */
  readonly size: number;
  /** Changes each time the participants of the active call change (this list or another one). */
  readonly version: number;
  /**
   * The participant of a session, when it is in this list. O(1).
   * @param sessionId the participant's session id.
   * @returns the participant, or `undefined` when this list does not hold that session.
   */
  get(sessionId: string): StreamParticipant | undefined;
  /**
   * Whether a session is in this list. O(1).
   * @param sessionId the participant's session id.
   */
  has(sessionId: string): boolean;
  /**
   * The participants as a frozen array, in join order (the pinned list too). The array is cached until the participants change.
   */
  toArray(): readonly StreamParticipant[];
}

type Selector = 'all' | 'remote' | 'pinned';

/**
 * The participants of the active call. Each update costs O(1) whatever the number of
 * participants: a snapshot object is cheap, lists are lazy views over the table.
 */
export class ParticipantTable {
  private readonly bySession = new Map<string, StreamParticipant>();
  private readonly pinned = new Set<string>();
  /** Sessions that publish a screen share: `hasOngoingScreenShare$` in O(1). */
  private readonly sharing = new Set<string>();
  /** Sessions whose reaction is new since {@link ParticipantTable.takeNewReactions} was last called. */
  private readonly reacted = new Set<string>();
  private localSessionId = '';
  version = 0;

  /** A snapshot of the table at this version: views and look-ups, all O(1) to create. */
  snapshot(): ParticipantSnapshot {
    return new ParticipantSnapshot(this, ++this.version);
  }

  setLocalSession(sessionId: string): void {
    this.localSessionId = sessionId;
  }

  get local(): string {
    return this.localSessionId;
  }

  /**
   * Adds or replaces a participant; keeps its pin, its media (streams and their health), what
   * was measured of it, and its reaction unless `p` brings a newer one.
   */
  upsert(
    p: Omit<StreamParticipant, 'isLocalParticipant' | 'isPinned' | keyof ParticipantMedia | keyof ParticipantMediaHealth | keyof ParticipantInsights>,
    media: (ParticipantMedia & Partial<ParticipantMediaHealth>) | undefined = this.bySession.get(p.sessionId),
    insights: Partial<ParticipantInsights> | undefined = this.bySession.get(p.sessionId),
  ): void {
    const shown = this.bySession.get(p.sessionId)?.reaction;
    const reaction = p.reaction && (!shown || p.reaction.createdAt > shown.createdAt) ? p.reaction : shown;
    if (reaction && reaction !== shown) this.reacted.add(p.sessionId);
    // Fields listed one by one: spreading `p` costs ~1 µs per participant event, this ~0.03 µs.
    this.bySession.set(p.sessionId, {
      sessionId: p.sessionId,
      userId: p.userId,
      user: p.user,
      role: p.role,
      joinedAt: p.joinedAt,
      isLocalParticipant: p.sessionId === this.localSessionId,
      isPinned: this.pinned.has(p.sessionId),
      publishedTracks: p.publishedTracks,
      reaction,
      audioStream: media?.audioStream,
      videoStream: media?.videoStream,
      screenShareStream: media?.screenShareStream,
      screenShareAudioStream: media?.screenShareAudioStream,
      mediaConnectionState: media?.mediaConnectionState ?? 'idle',
      trackStates: media?.trackStates ?? NO_TRACK_STATES,
      audioLevel: insights?.audioLevel ?? 0,
      isSpeaking: insights?.isSpeaking ?? false,
      connectionQuality: insights?.connectionQuality ?? 'unknown',
    });
    if (p.publishedTracks.includes(TrackType.SCREEN_SHARE)) this.sharing.add(p.sessionId);
    else this.sharing.delete(p.sessionId);
  }

  /** Attaches streams to a participant; returns false when there is no such participant or nothing changed. */
  setMedia(sessionId: string, media: ParticipantMedia): boolean {
    const p = this.bySession.get(sessionId);
    if (
      !p ||
      (p.audioStream === media.audioStream &&
        p.videoStream === media.videoStream &&
        p.screenShareStream === media.screenShareStream &&
        p.screenShareAudioStream === media.screenShareAudioStream)
    )
      return false;
    this.upsert(p, { ...media, mediaConnectionState: p.mediaConnectionState, trackStates: p.trackStates });
    return true;
  }

  /** Sets the health of a participant's media; returns false when there is no such participant or nothing changed. O(1). */
  setMediaHealth(sessionId: string, health: ParticipantMediaHealth): boolean {
    const p = this.bySession.get(sessionId);
    if (!p || (p.mediaConnectionState === health.mediaConnectionState && p.trackStates === health.trackStates)) return false;
    this.bySession.set(sessionId, { ...p, mediaConnectionState: health.mediaConnectionState, trackStates: health.trackStates });
    return true;
  }

  /** Sets what was measured of a participant; returns false when there is no such participant or nothing changed. O(1). */
  setInsights(sessionId: string, insights: Partial<ParticipantInsights>): boolean {
    const p = this.bySession.get(sessionId);
    if (!p) return false;
    const next = { ...p, ...insights };
    if (next.audioLevel === p.audioLevel && next.isSpeaking === p.isSpeaking && next.connectionQuality === p.connectionQuality) return false;
    this.bySession.set(sessionId, next);
    return true;
  }

  /** Shows a participant's new reaction (`call.reaction_new`); returns false when there is no such participant. O(1). */
  setReaction(sessionId: string, reaction: ParticipantReaction): boolean {
    const p = this.bySession.get(sessionId);
    if (!p) return false;
    this.bySession.set(sessionId, { ...p, reaction });
    this.reacted.add(sessionId);
    return true;
  }

  /** Clears a participant's reaction when it is still `reaction`; returns whether it changed. O(1). */
  clearReaction(sessionId: string, reaction: ParticipantReaction): boolean {
    const p = this.bySession.get(sessionId);
    if (!p || p.reaction !== reaction) return false;
    this.bySession.set(sessionId, { ...p, reaction: undefined });
    return true;
  }

  /** The sessions whose reaction is new since the last call (to schedule their clearing), emptied. */
  takeNewReactions(): string[] {
    if (this.reacted.size === 0) return [];
    const ids = [...this.reacted];
    this.reacted.clear();
    return ids;
  }

  /** Whether a participant publishes a screen share. O(1). */
  get hasScreenShare(): boolean {
    return this.sharing.size > 0;
  }

  remove(sessionId: string): boolean {
    this.pinned.delete(sessionId);
    this.reacted.delete(sessionId);
    this.sharing.delete(sessionId);
    return this.bySession.delete(sessionId);
  }

  /** Pins or unpins; returns false when there is no such participant or nothing changed. */
  setPinned(sessionId: string, isPinned: boolean): boolean {
    const p = this.bySession.get(sessionId);
    if (!p || p.isPinned === isPinned) return false;
    if (isPinned) this.pinned.add(sessionId);
    else this.pinned.delete(sessionId);
    this.bySession.set(sessionId, { ...p, isPinned });
    return true;
  }

  /** Empties the table; returns false when it was empty already. */
  clear(): boolean {
    const changed = this.bySession.size > 0 || this.localSessionId !== '';
    this.bySession.clear();
    this.pinned.clear();
    this.sharing.clear();
    this.reacted.clear();
    this.localSessionId = '';
    return changed;
  }

  /** @internal */ read(sessionId: string): StreamParticipant | undefined {
    return this.bySession.get(sessionId);
  }

  /** @internal */ count(selector: Selector): number {
    if (selector === 'all') return this.bySession.size;
    if (selector === 'pinned') return this.pinned.size;
    return this.bySession.size - (this.bySession.has(this.localSessionId) ? 1 : 0);
  }

  /** @internal */ *iterate(selector: Selector): IterableIterator<StreamParticipant> {
    if (selector === 'pinned') {
      // In participant (join) order, as the vendor's; a walk of all only when some are pinned.
      if (this.pinned.size > 0) for (const p of this.bySession.values()) if (p.isPinned) yield p;
      return;
    }
    for (const p of this.bySession.values()) if (selector === 'all' || !p.isLocalParticipant) yield p;
  }
}

/** The table at one version, with its lists. */
export class ParticipantSnapshot {
  readonly all: ParticipantList;
  readonly remote: ParticipantList;
  readonly pinned: ParticipantList;

  constructor(
    private readonly table: ParticipantTable,
    readonly version: number,
  ) {
    this.all = new ParticipantView(table, 'all', version);
    this.remote = new ParticipantView(table, 'remote', version);
    this.pinned = new ParticipantView(table, 'pinned', version);
  }

  get(sessionId: string | undefined): StreamParticipant | undefined {
    return sessionId ? this.table.read(sessionId) : undefined;
  }

  get local(): StreamParticipant | undefined {
    return this.table.read(this.table.local);
  }
}

class ParticipantView implements ParticipantList {
  private cache: readonly StreamParticipant[] | undefined;

  constructor(
    private readonly table: ParticipantTable,
    private readonly selector: Selector,
    readonly version: number,
  ) {}

  get size(): number {
    return this.table.count(this.selector);
  }

  get(sessionId: string): StreamParticipant | undefined {
    const p = this.table.read(sessionId);
    if (!p) return undefined;
    if (this.selector === 'remote' && p.isLocalParticipant) return undefined;
    if (this.selector === 'pinned' && !p.isPinned) return undefined;
    return p;
  }

  has(sessionId: string): boolean {
    return this.get(sessionId) !== undefined;
  }

  toArray(): readonly StreamParticipant[] {
    if (!this.cache || this.table.version !== this.version) this.cache = Object.freeze([...this.table.iterate(this.selector)]);
    return this.cache;
  }

  [Symbol.iterator](): Iterator<StreamParticipant> {
    return this.table.iterate(this.selector);
  }
}

/** A list with no participants: what a call that is no longer joined shows. */
export const EMPTY_PARTICIPANTS: ParticipantList = Object.freeze({
  size: 0,
  version: 0,
  get: () => undefined,
  has: () => false,
  toArray: () => Object.freeze([]) as readonly StreamParticipant[],
  [Symbol.iterator]: (): Iterator<StreamParticipant> => [][Symbol.iterator](),
});
