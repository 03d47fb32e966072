import type { Logger } from '../config/logger';
import { StreamVideoError } from '../errors/stream-video-error';
import { TrackType } from '../media/track-type';
import type { StreamVideoWriteableStateStore } from '../store/state-store';

/** The audio track types an element can play. */
export type AudioTrackType = TrackType.AUDIO | TrackType.SCREEN_SHARE_AUDIO;

/**
 * The audio elements the app bound to participants (`call.bindAudioElement`): each plays the
 * participant's microphone (or screen audio) while it is received, through the speaker the user
 * selected (`setSinkId`). When the browser refuses to play (autoplay without a user gesture),
 * the element plays muted and the store's `autoplayBlocked$` turns true until `resume()`,
 * called from a gesture, unmutes them.
 */
export interface AudioBindings {
  /**
   * Plays a participant's audio in `element` from now on; the local participant's is never
   * played (no echo).
   * @returns the function that unbinds it (the element is emptied).
   */
  bind(element: HTMLAudioElement, sessionId: string, type: AudioTrackType): () => void;
  /** Plays every bound element the browser refused to play; call it from a user gesture. */
  resume(): Promise<void>;
  /** Routes every bound element to the audio output `deviceId` (`''`: the default). */
  setSink(deviceId: string): Promise<void>;
  /** Ends with the call: every element is emptied and unbound. */
  dispose(): void;
}

/** Whether the browser can route audio to a chosen output (`setSinkId`). */
export const canRouteAudio = (): boolean => typeof HTMLMediaElement === 'function' && typeof HTMLMediaElement.prototype.setSinkId === 'function';

/** Makes the audio bindings of a call. */
export function createAudioBindings(store: StreamVideoWriteableStateStore<unknown>, logger: Logger): AudioBindings {
  const bound = new Map<HTMLAudioElement, { sessionId: string; type: AudioTrackType }>();
  const blocked = new Set<HTMLAudioElement>();
  let sinkId = '';

  const unblock = (element: HTMLAudioElement) => {
    if (blocked.delete(element) && blocked.size === 0) store.autoplayBlocked$.set(false);
  };
  const play = async (element: HTMLAudioElement): Promise<void> => {
    try {
      element.muted = false;
      await element.play();
      unblock(element);
    } catch (err) {
      // Interrupted by a newer source (AbortError): the newer play() decides.
      if ((err as { name?: unknown })?.name !== 'NotAllowedError') return logger('debug', 'audio did not play', { error: String(err) });
      if (!bound.has(element)) return;
      blocked.add(element);
      store.autoplayBlocked$.set(true);
      // Muted it may play (never blocked): the audio levels keep coming (Chromium reads them from what plays).
      element.muted = true;
      element.play().catch((e: unknown) => logger('debug', 'audio did not play', { error: String(e) }));
    }
  };
  const apply = (element: HTMLAudioElement) => {
    const { sessionId, type } = bound.get(element)!;
    const p = store.table.read(sessionId);
    const stream = (p && !p.isLocalParticipant && (type === TrackType.AUDIO ? p.audioStream : p.screenShareAudioStream)) || null;
    if (element.srcObject === stream) return;
    element.srcObject = stream;
    if (stream) void play(element);
    else unblock(element);
  };
  const stop = store.participants$.listen(() => bound.forEach((_, element) => apply(element)));

  return {
    bind(element, sessionId, type) {
      const method = 'bindAudioElement';
      if (typeof (element as Partial<HTMLAudioElement> | null)?.play !== 'function')
        throw StreamVideoError.invalidArgument(method, 'audioElement', 'must be an HTMLAudioElement');
      if (typeof sessionId !== 'string' || !sessionId) throw StreamVideoError.invalidArgument(method, 'sessionId', 'must be a session id');
      if (type !== TrackType.AUDIO && type !== TrackType.SCREEN_SHARE_AUDIO)
        throw StreamVideoError.invalidArgument(method, 'trackType', 'must be an audio track type');
      const binding = { sessionId, type };
      bound.set(element, binding);
      if (sinkId) element.setSinkId(sinkId).catch((err: unknown) => logger('warn', 'could not route audio', { error: String(err) }));
      apply(element);
      return () => {
        if (bound.get(element) !== binding) return;
        bound.delete(element);
        element.srcObject = null;
        unblock(element);
      };
    },
    async resume() {
      await Promise.all([...blocked].map(play));
      if (blocked.size > 0)
        throw new StreamVideoError('failed_precondition', 'autoplay is blocked: call resumeAudio() from a user gesture', {
          method: 'resumeAudio',
          meta: { reason: 'autoplay_blocked' },
        });
    },
    async setSink(deviceId) {
      sinkId = deviceId;
      await Promise.all([...bound.keys()].map((element) => element.setSinkId(deviceId)));
    },
    dispose() {
      stop();
      for (const element of bound.keys()) element.srcObject = null;
      bound.clear();
      blocked.clear();
      store.autoplayBlocked$.set(false);
    },
  };
}
