/**
 * A sound the SDK plays while calls ring: a ringtone for incoming rings, a ringback tone for
 * outgoing ones. Implementations must be able to `play` again after `stop`, and `stop` must
 * do nothing when nothing plays.
 *
 * ```ts
 * const audio = new Audio('/sounds/ring.mp3'); audio.loop = true;
 * const ringtone: RingSound = { play: () => void audio.play(), stop: () => { audio.pause(); audio.currentTime = 0; } };
 * new StreamVideoClient(key, {}, { ...CALL_CONFIG.ring, ringtone });
 * ```
 */
export interface RingSound {
  /** Starts playing (looping) until `stop`. */
  play(): void | Promise<void>;
  /** Stops playing. */
  stop(): void;
}

/**
 * How calls behave on this client: the ring flow's timers, whether calls ring, whether
 * `getOrCreateCall` joins at once, and the sounds of ringing calls. Every field is
 * optional: a field left out takes its value from `CALL_CONFIG.meeting`.
 *
 * ```ts
 * const client = new StreamVideoClient(apiKey, {}, { ...CALL_CONFIG.ring, autoRejectTimeoutInMs: 20_000 });
 * ```
 */
export interface CallConfig {
  /** Whether `getOrCreateCall` rings the members when `ring` is not given (`joinCall` never does). */
  readonly ringByDefault?: boolean;
  /**
   * An unanswered outgoing ring is cancelled after this many ms. 0 defers to the call's
   * `settings.ring.outgoingCallTimeoutMs`; when that is 0 too, the client never cancels.
   */
  readonly autoCancelTimeoutInMs?: number;
  /**
   * An unanswered incoming ring is rejected after this many ms. 0 defers to the call's
   * `settings.ring.incomingCallTimeoutMs`; when that is 0 too, the client never rejects.
   */
  readonly autoRejectTimeoutInMs?: number;
  /**
   * An incoming ring while the user is in another call is rejected at once, with the reason
   * `busy` (the caller's `call.rejected` event carries it).
   */
  readonly autoRejectWhenInCall?: boolean;
  /**
   * Meeting style: `getOrCreateCall` also joins the call (in the same request), and never
   * rings. It resolves when the creator is in the call; `activeCall$` holds it.
   */
  readonly joinCallInstantly?: boolean;
  /**
   * Plays a ringtone while a call rings the user and a ringback tone while the user's own
   * call rings others, in browsers (nothing in Node). The tones are generated with the Web
   * Audio API unless `ringtone` and `ringbackTone` replace them.
   */
  readonly playSounds?: boolean;
  /** The ringtone of incoming rings, when `playSounds` (default: a generated tone). */
  readonly ringtone?: RingSound;
  /** The ringback tone of outgoing rings, when `playSounds` (default: a generated tone). */
  readonly ringbackTone?: RingSound;
}

/** A {@link CallConfig} with every field filled in (the sounds stay optional). */
export type ResolvedCallConfig = Required<Omit<CallConfig, 'ringtone' | 'ringbackTone'>> & Pick<CallConfig, 'ringtone' | 'ringbackTone'>;

/**
 * Presets: `ring` for one-to-one calls that ring (auto-cancel and auto-reject after 30 s,
 * sounds), `meeting` for calls people join without ringing (no client ring timers: the
 * call's own ring settings apply; no sounds). Both are complete: spread one and change what
 * differs.
 *
 * ```ts
 * const client = new StreamVideoClient(apiKey, {}, CALL_CONFIG.ring);
 * ```
 */
export const CALL_CONFIG = Object.freeze({
  /** For one-to-one calls that ring. */
  ring: Object.freeze({
    /** `getOrCreateCall` with members rings them unless `ring: false` is given. */
    ringByDefault: true,
    /** An unanswered outgoing ring is cancelled after 30 s. */
    autoCancelTimeoutInMs: 30_000,
    /** An unanswered incoming ring is rejected after 30 s. */
    autoRejectTimeoutInMs: 30_000,
    /** A ring while in another call rings on (the user decides). */
    autoRejectWhenInCall: false,
    /** `getOrCreateCall` does not join. */
    joinCallInstantly: false,
    /** A ringtone and a ringback tone in browsers. */
    playSounds: true,
  } satisfies ResolvedCallConfig),
  /** For calls people join without ringing: the client's default. */
  meeting: Object.freeze({
    /** Nothing rings unless `ring: true` is given. */
    ringByDefault: false,
    /** 0: the client never cancels a ring itself; the call's `ring.outgoingCallTimeoutMs` applies, if any. */
    autoCancelTimeoutInMs: 0,
    /** 0: the client never rejects a ring itself; the call's `ring.incomingCallTimeoutMs` applies, if any. */
    autoRejectTimeoutInMs: 0,
    /** A ring while in another call rings on. */
    autoRejectWhenInCall: false,
    /** `getOrCreateCall` does not join (set it for meeting-style creation). */
    joinCallInstantly: false,
    /** No sounds. */
    playSounds: false,
  } satisfies ResolvedCallConfig),
});
