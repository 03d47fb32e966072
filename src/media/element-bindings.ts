import type { ReadableAtom } from 'nanostores';
import type { Logger } from '../config/logger';
import type { ParticipantList, StreamParticipant } from '../store/participant-table';
import type { CallMedia, VideoDimension } from './call-media';
import { MEDIA_KEYS } from './local-tracks';
import { TrackType, type PublishableTrackType } from './track-type';

/** A remote video track type an element can show. */
export type VideoTrackType = TrackType.VIDEO | TrackType.SCREEN_SHARE;

/**
 * What the bindings use of an element: the stream it plays and `play()`. Every `<video>` and
 * `<audio>` element is one; where the page has observers, they watch it.
 */
export interface BoundElement {
  srcObject: MediaProvider | null;
  play(): Promise<void>;
}

/** The page's observers, as the bindings use them (none in Node). */
interface PageObservers {
  ResizeObserver?: new (callback: (entries: readonly { contentRect: { width: number; height: number } }[]) => void) => ElementObserver;
  IntersectionObserver?: new (callback: (entries: readonly { isIntersecting: boolean }[]) => void) => ElementObserver;
  devicePixelRatio?: number;
}
interface ElementObserver {
  /** A page's observers watch the elements apps bind, which are DOM elements there. */
  observe(element: object): void;
  disconnect(): void;
}

/** One element bound to a participant's track. */
interface Binding {
  readonly element: BoundElement;
  /** `sessionId\ntrackType`. */
  readonly key: string;
  /** The element's size in device pixels, once a ResizeObserver measured it. */
  size?: VideoDimension;
  /** Whether the element is on screen (true where no IntersectionObserver can tell). */
  visible: boolean;
  readonly unbind: () => void;
}

const HIDDEN: VideoDimension = Object.freeze({ width: 0, height: 0 });
const ALL = '';

/**
 * The elements an app bound to the participants of one call (`call.bindVideoElement`,
 * `call.bindAudioElement`): each plays its participant's stream of its track type (the
 * element's `srcObject` follows the store), and, for video, tells the media the size it is
 * shown at (a `ResizeObserver`, times `devicePixelRatio`) and whether it is shown at all (an
 * `IntersectionObserver` and the page's visibility), so that an SFU sends the simulcast layer
 * that fits, or no video. `setPreferredResolution` overrides the size, for some participants
 * or all of them; a hidden element still gets no video.
 *
 * ```ts
 * const bindings = new ElementBindings(media, store.participants$, logger);
 * const unbind = bindings.bindVideo(videoElement, 'alice-session', TrackType.VIDEO);
 * unbind();
 * ```
 */
export class ElementBindings {
  private readonly bindings = new Set<Binding>();
  /** Overrides of the video size: per session, and for every participant (key ''). */
  private readonly overrides = new Map<string, VideoDimension>();
  /** What the media was told last, per `sessionId\ntrackType`. */
  private readonly told = new Map<string, string>();
  private readonly unlisten: () => void;

  constructor(
    private readonly media: Pick<CallMedia, 'setVideoPreference'>,
    private readonly participants: ReadableAtom<ParticipantList>,
    private readonly logger: Logger,
  ) {
    const doc = (globalThis as { document?: Document }).document;
    const onVisibility = () => this.updateAll();
    doc?.addEventListener?.('visibilitychange', onVisibility);
    // Streams change, participants come: bound elements follow, a size set for everyone reaches newcomers.
    const stop = participants.listen(() => this.updateAll());
    this.unlisten = () => {
      stop();
      doc?.removeEventListener?.('visibilitychange', onVisibility);
    };
  }

  /**
   * Plays a participant's video of `trackType` in `element` while bound, and asks for the
   * size the element shows. Binding an element again first unbinds it.
   * @returns a function that unbinds the element (it then shows nothing).
   */
  bindVideo(element: BoundElement, sessionId: string, trackType: VideoTrackType): () => void {
    return this.bind(element, sessionId, trackType);
  }

  /**
   * Plays a participant's microphone in `element` while bound.
   * @returns a function that unbinds the element.
   */
  bindAudio(element: BoundElement, sessionId: string): () => void {
    return this.bind(element, sessionId, TrackType.AUDIO);
  }

  /**
   * Overrides the size of the incoming video: of `sessionIds`, or of every participant when
   * omitted; `undefined` goes back to the size of the elements showing it.
   */
  setPreferredResolution(resolution: VideoDimension | undefined, sessionIds?: readonly string[]): void {
    if (!sessionIds) this.overrides.clear();
    for (const id of sessionIds ?? [ALL]) {
      if (resolution) this.overrides.set(id, { width: resolution.width, height: resolution.height });
      else this.overrides.delete(id);
    }
    this.updateAll();
  }

  /** Unbinds every element (the call was left). Idempotent. */
  close(): void {
    for (const b of [...this.bindings]) b.unbind();
    this.unlisten();
  }

  private bind(element: BoundElement, sessionId: string, trackType: TrackType): () => void {
    for (const b of this.bindings) if (b.element === element) b.unbind();
    const g = globalThis as PageObservers;
    const video = trackType !== TrackType.AUDIO;
    const resize =
      video && g.ResizeObserver
        ? new g.ResizeObserver((entries) => {
            const box = entries[entries.length - 1].contentRect;
            const ratio = g.devicePixelRatio || 1;
            binding.size = { width: Math.round(box.width * ratio), height: Math.round(box.height * ratio) };
            this.updateAll();
          })
        : undefined;
    const intersection =
      video && g.IntersectionObserver
        ? new g.IntersectionObserver((entries) => {
            binding.visible = entries[entries.length - 1].isIntersecting;
            this.updateAll();
          })
        : undefined;
    const binding: Binding = {
      element,
      key: `${sessionId}\n${trackType}`,
      visible: true,
      unbind: () => {
        if (!this.bindings.delete(binding)) return;
        resize?.disconnect();
        intersection?.disconnect();
        element.srcObject = null;
        this.updateAll();
      },
    };
    this.bindings.add(binding);
    resize?.observe(element);
    intersection?.observe(element);
    this.updateAll();
    return binding.unbind;
  }

  /** Every bound element shows its participant's stream now; the media hears every size that changed. */
  private updateAll(): void {
    const list = this.participants.get();
    for (const b of this.bindings) {
      const [sessionId, type] = b.key.split('\n');
      const stream = list.get(sessionId)?.[MEDIA_KEYS[Number(type) as PublishableTrackType]] ?? null;
      if (b.element.srcObject === stream) continue;
      b.element.srcObject = stream;
      // Autoplay may be refused until the user interacts with the page: the app can call play() then.
      if (stream) b.element.play()?.catch((err: unknown) => this.logger('debug', 'could not play a bound element', { error: String(err) }));
    }
    const tell = this.media.setVideoPreference?.bind(this.media);
    if (!tell) return;
    const keys = new Set(this.told.keys());
    for (const b of this.bindings) if (!b.key.endsWith(`\n${TrackType.AUDIO}`)) keys.add(b.key);
    // O(participants) only while sizes are overridden: participant updates stay O(1) otherwise.
    if (this.overrides.size > 0)
      for (const p of list)
        if (!p.isLocalParticipant && (this.overrides.has(ALL) || this.overrides.has(p.sessionId))) keys.add(`${p.sessionId}\n${TrackType.VIDEO}`);
    for (const key of keys) this.update(key, list.get(key.split('\n')[0]), tell);
  }

  /**
   * Tells the media the size a participant's video is wanted at: nothing when every element
   * showing it is hidden, else the override when one is set, else the largest visible
   * element's, else no preference.
   */
  private update(key: string, participant: StreamParticipant | undefined, tell: NonNullable<CallMedia['setVideoPreference']>): void {
    const [sessionId, type] = key.split('\n');
    // One's own tracks never come from the SFU.
    if (participant?.isLocalParticipant) return;
    const bound = [...this.bindings].filter((b) => b.key === key);
    const hidden = (globalThis as { document?: Document }).document?.hidden === true;
    const shown = hidden ? [] : bound.filter((b) => b.visible);
    const override = type === String(TrackType.VIDEO) ? (this.overrides.get(sessionId) ?? this.overrides.get(ALL)) : undefined;
    let size: VideoDimension | undefined = override;
    if (bound.length > 0 && shown.length === 0) size = HIDDEN;
    else if (!override && shown.some((b) => b.size))
      size = shown.reduce((max, b) => ({ width: Math.max(max.width, b.size?.width ?? 0), height: Math.max(max.height, b.size?.height ?? 0) }), HIDDEN);
    const said = size ? `${size.width}x${size.height}` : '';
    if ((this.told.get(key) ?? '') === said) return;
    if (said) this.told.set(key, said);
    else this.told.delete(key);
    tell(sessionId, Number(type), size);
  }
}
