import type { ReadableAtom } from 'nanostores';
import type { Logger } from '../config/logger';
import type { ParticipantList, StreamParticipant } from '../store/participant-table';
import type { CallMedia, VideoDimension } from './call-media';
import { TrackType } from './track-type';

/** A remote video track type an element can show. */
export type VideoTrackType = TrackType.VIDEO | TrackType.SCREEN_SHARE;

/** One element bound to a participant's track. */
interface Binding {
  readonly element: HTMLMediaElement;
  readonly sessionId: string;
  readonly trackType: TrackType;
  /** The element's size in device pixels, when a ResizeObserver measured it. */
  size: VideoDimension | undefined;
  /** Whether the element is on screen (true where no IntersectionObserver can tell). */
  visible: boolean;
  stop: () => void;
}

const HIDDEN: VideoDimension = Object.freeze({ width: 0, height: 0 });

/**
 * The elements an app bound to the participants of one call (`call.bindVideoElement`,
 * `call.bindAudioElement`): each plays its participant's stream of its track type (the
 * element's `srcObject` follows the store), and, for video, tells the media the size it is
 * shown at (a `ResizeObserver`, times `devicePixelRatio`) and whether it is shown at all (an
 * `IntersectionObserver` and the page's visibility), so that an SFU sends the simulcast layer
 * that fits, or no video. `setPreferredIncomingVideoResolution` overrides the size, for some
 * participants or all of them.
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
  /** The (session, track type) pairs whose preference the media holds now. */
  private readonly told = new Map<string, VideoDimension | undefined>();
  private unlistenParticipants: (() => void) | undefined;
  private readonly onVisibility = () => this.updateAll();
  private closed = false;

  constructor(
    private readonly media: CallMedia,
    private readonly participants: ReadableAtom<ParticipantList>,
    private readonly logger: Logger,
  ) {}

  /**
   * Plays the stream of a participant's video track in `element` for as long as it is bound
   * (the stream it shows follows the participant's), and asks for the video size the element
   * shows. Binding the same element again first unbinds it.
   * @returns a function that unbinds the element (it then shows nothing).
   */
  bindVideo(element: HTMLVideoElement, sessionId: string, trackType: VideoTrackType): () => void {
    const binding = this.bind(element, sessionId, trackType);
    const Resize = (globalThis as { ResizeObserver?: typeof ResizeObserver }).ResizeObserver;
    const Intersection = (globalThis as { IntersectionObserver?: typeof IntersectionObserver }).IntersectionObserver;
    const ratio = (globalThis as { devicePixelRatio?: number }).devicePixelRatio || 1;
    const resize =
      Resize &&
      new Resize((entries) => {
        const box = entries[entries.length - 1]?.contentRect;
        if (!box) return;
        binding.size = { width: Math.round(box.width * ratio), height: Math.round(box.height * ratio) };
        this.update(sessionId, trackType);
      });
    const intersection =
      Intersection &&
      new Intersection((entries) => {
        binding.visible = entries[entries.length - 1]?.isIntersecting ?? binding.visible;
        this.update(sessionId, trackType);
      });
    resize?.observe(element);
    intersection?.observe(element);
    const stopPlaying = binding.stop;
    binding.stop = () => {
      resize?.disconnect();
      intersection?.disconnect();
      stopPlaying();
    };
    this.update(sessionId, trackType);
    return () => this.unbind(binding);
  }

  /**
   * Plays a participant's microphone in `element` for as long as it is bound.
   * @returns a function that unbinds the element.
   */
  bindAudio(element: HTMLAudioElement, sessionId: string): () => void {
    const binding = this.bind(element, sessionId, TrackType.AUDIO);
    return () => this.unbind(binding);
  }

  /**
   * Overrides the size of the incoming video: of `sessionIds`, or of every participant when
   * omitted; `undefined` goes back to the size of the elements showing it.
   */
  setPreferredResolution(resolution: VideoDimension | undefined, sessionIds?: readonly string[]): void {
    const keys = sessionIds ?? [''];
    if (!sessionIds) this.overrides.clear();
    for (const key of keys) {
      if (resolution) this.overrides.set(key, { width: resolution.width, height: resolution.height });
      else this.overrides.delete(key);
    }
    this.updateAll();
  }

  /** Unbinds every element (the call was left). Idempotent. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const b of [...this.bindings]) this.unbind(b);
    this.unlistenParticipants?.();
  }

  private bind(element: HTMLMediaElement, sessionId: string, trackType: TrackType): Binding {
    for (const b of this.bindings) if (b.element === element) this.unbind(b);
    let shown: MediaStream | undefined;
    const show = (p: StreamParticipant | undefined) => {
      const stream = p && (trackType === TrackType.AUDIO ? p.audioStream : trackType === TrackType.VIDEO ? p.videoStream : p.screenShareStream);
      if (stream === shown) return;
      shown = stream;
      element.srcObject = stream ?? null;
      // Autoplay may be refused until the user interacts with the page: the app can call play() then.
      if (stream) element.play()?.catch((err: unknown) => this.logger('debug', 'could not play a bound element', { error: String(err) }));
    };
    const render = () => show(this.participants.get().get(sessionId));
    render();
    const stopRender = this.participants.listen(render);
    const binding: Binding = {
      element,
      sessionId,
      trackType,
      size: undefined,
      visible: true,
      stop: () => {
        stopRender();
        show(undefined);
      },
    };
    this.bindings.add(binding);
    this.listen();
    return binding;
  }

  private unbind(binding: Binding): void {
    if (!this.bindings.delete(binding)) return;
    binding.stop();
    if (binding.trackType !== TrackType.AUDIO) this.update(binding.sessionId, binding.trackType);
  }

  /** Participants join and leave: a size set for everyone reaches newcomers too. */
  private listen(): void {
    if (this.unlistenParticipants || this.closed) return;
    const doc = (globalThis as { document?: Document }).document;
    doc?.addEventListener?.('visibilitychange', this.onVisibility);
    const stop = this.participants.listen(() => {
      if (this.overrides.has('')) this.updateAll();
    });
    this.unlistenParticipants = () => {
      stop();
      doc?.removeEventListener?.('visibilitychange', this.onVisibility);
    };
  }

  private updateAll(): void {
    const keys = new Set<string>();
    for (const b of this.bindings) if (b.trackType !== TrackType.AUDIO) keys.add(`${b.sessionId}\n${b.trackType}`);
    if (this.overrides.has('')) for (const p of this.participants.get()) if (!p.isLocalParticipant) keys.add(`${p.sessionId}\n${TrackType.VIDEO}`);
    for (const key of this.overrides.keys()) if (key) keys.add(`${key}\n${TrackType.VIDEO}`);
    for (const key of this.told.keys()) keys.add(key);
    for (const key of keys) {
      const [sessionId, type] = key.split('\n');
      this.update(sessionId, Number(type));
    }
  }

  /**
   * Tells the media the size a participant's video is wanted at: the override when one is
   * set (or nothing, when every element showing it is hidden), else the largest visible
   * element's, else nothing for hidden elements, else no preference.
   */
  private update(sessionId: string, trackType: TrackType): void {
    if ((trackType !== TrackType.VIDEO && trackType !== TrackType.SCREEN_SHARE) || !this.media.setVideoPreference) return;
    // One's own tracks never come from the SFU.
    if (this.participants.get().get(sessionId)?.isLocalParticipant) return;
    const bound = [...this.bindings].filter((b) => b.sessionId === sessionId && b.trackType === trackType);
    const pageHidden = (globalThis as { document?: Document }).document?.hidden === true;
    const shown = pageHidden ? [] : bound.filter((b) => b.visible);
    const override = trackType === TrackType.VIDEO ? (this.overrides.get(sessionId) ?? this.overrides.get('')) : undefined;
    let size: VideoDimension | undefined;
    if (bound.length > 0 && shown.length === 0) size = HIDDEN;
    else if (override) size = override;
    else if (shown.some((b) => b.size))
      size = shown.reduce<VideoDimension>(
        (max, b) => ({ width: Math.max(max.width, b.size?.width ?? 0), height: Math.max(max.height, b.size?.height ?? 0) }),
        HIDDEN,
      );
    const key = `${sessionId}\n${trackType}`;
    const before = this.told.get(key);
    if (before?.width === size?.width && before?.height === size?.height && this.told.has(key) === (size !== undefined)) return;
    if (size) this.told.set(key, size);
    else this.told.delete(key);
    this.media.setVideoPreference(sessionId, trackType, size);
  }
}
