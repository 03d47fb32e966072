import type { Logger } from '../config/logger';
import { StreamVideoError } from '../errors/stream-video-error';
import { TrackType } from '../media/track-type';
import type { StreamVideoWriteableStateStore } from '../store/state-store';

interface Binding {
  readonly sessionId: string;
  readonly type: TrackType.AUDIO | TrackType.SCREEN_SHARE_AUDIO;
}

/**
 * The audio elements the app bound to participants (`call.bindAudioElement`): each plays the
 * participant's microphone (or screen audio) while it is received, through the speaker the user
 * selected (`setSinkId`). When the browser refuses to play (autoplay without a user gesture),
 * the store's `autoplayBlocked$` turns true until `resume()`, called from a gesture, plays them.
 */
export class AudioBindings {
  private readonly bound = new Map<HTMLAudioElement, Binding>();
  private readonly blocked = new Set<HTMLAudioElement>();
  private sinkId = '';
  private readonly stop: () => void;

  constructor(
    private readonly store: StreamVideoWriteableStateStore<unknown>,
    private readonly logger: Logger,
  ) {
    this.stop = store.participants$.listen(() => {
      for (const [element, binding] of this.bound) this.apply(element, binding);
    });
  }

  /**
   * Plays a participant's audio in `element` from now on; the local participant's is never
   * played (no echo).
   * @returns the function that unbinds it (the element is emptied).
   */
  bind(element: HTMLAudioElement, sessionId: string, type: TrackType.AUDIO | TrackType.SCREEN_SHARE_AUDIO): () => void {
    const method = 'bindAudioElement';
    if (typeof (element as Partial<HTMLAudioElement> | null)?.play !== 'function')
      throw StreamVideoError.invalidArgument(method, 'audioElement', 'must be an HTMLAudioElement');
    if (typeof sessionId !== 'string' || !sessionId) throw StreamVideoError.invalidArgument(method, 'sessionId', 'must be a session id');
    if (type !== TrackType.AUDIO && type !== TrackType.SCREEN_SHARE_AUDIO)
      throw StreamVideoError.invalidArgument(method, 'trackType', 'must be TrackType.AUDIO or SCREEN_SHARE_AUDIO');
    const binding = { sessionId, type };
    this.bound.set(element, binding);
    if (this.sinkId) this.route(element);
    this.apply(element, binding);
    return () => {
      if (this.bound.get(element) !== binding) return;
      this.bound.delete(element);
      element.srcObject = null;
      this.unblock(element);
    };
  }

  /** Plays every bound element the browser refused to play; call it from a user gesture. */
  async resume(): Promise<void> {
    await Promise.all([...this.blocked].map((element) => this.play(element)));
    if (this.blocked.size > 0)
      throw new StreamVideoError('failed_precondition', 'the browser still refuses to play audio: call resumeAudio() from a user gesture', {
        method: 'resumeAudio',
        meta: { reason: 'autoplay_blocked' },
      });
  }

  /** Routes every bound element to the audio output `deviceId` (`''`: the default). */
  async setSink(deviceId: string): Promise<void> {
    this.sinkId = deviceId;
    await Promise.all([...this.bound.keys()].map((element) => element.setSinkId(deviceId)));
  }

  /** Whether the browser can route audio to a chosen output (`setSinkId`). */
  get canRoute(): boolean {
    return typeof HTMLMediaElement === 'function' && typeof HTMLMediaElement.prototype.setSinkId === 'function';
  }

  /** Ends with the call: every element is emptied and unbound. */
  dispose(): void {
    this.stop();
    for (const element of this.bound.keys()) element.srcObject = null;
    this.bound.clear();
    this.blocked.clear();
    this.store.autoplayBlocked$.set(false);
  }

  private apply(element: HTMLAudioElement, { sessionId, type }: Binding): void {
    const p = this.store.table.read(sessionId);
    const stream = p && !p.isLocalParticipant ? (type === TrackType.AUDIO ? p.audioStream : p.screenShareAudioStream) : undefined;
    if (element.srcObject === (stream ?? null)) return;
    element.srcObject = stream ?? null;
    if (stream) void this.play(element);
    else this.unblock(element);
  }

  private route(element: HTMLAudioElement): void {
    element.setSinkId?.(this.sinkId).catch((err: unknown) => this.logger('warn', 'could not route audio to the selected speaker', { error: String(err) }));
  }

  private async play(element: HTMLAudioElement): Promise<void> {
    try {
      await element.play();
      this.unblock(element);
    } catch (err) {
      if ((err as { name?: unknown })?.name !== 'NotAllowedError') {
        // Interrupted by a newer source (AbortError): the newer play() decides.
        this.logger('debug', 'an audio element did not play', { error: String(err) });
        return;
      }
      if (!this.bound.has(element)) return;
      this.blocked.add(element);
      this.store.autoplayBlocked$.set(true);
    }
  }

  private unblock(element: HTMLAudioElement): void {
    if (this.blocked.delete(element) && this.blocked.size === 0) this.store.autoplayBlocked$.set(false);
  }
}
