/**
 * How calls behave on this client: the ring flow's timers and whether calls ring at all.
 *
 * ```ts
 * const client = new StreamVideoClient(apiKey, {}, { ...CALL_CONFIG.ring, autoRejectTimeoutInMs: 20_000 });
 * ```
 */
export interface CallConfig {
  /** Whether `getOrCreateCall` rings the members when `ring` is not given (`joinCall` never does). */
  readonly ringByDefault: boolean;
  /**
   * An unanswered outgoing ring is cancelled after this many ms. 0 defers to the call's
   * `settings.ring.outgoingCallTimeoutMs`; when that is 0 too, the client never cancels.
   */
  readonly autoCancelTimeoutInMs: number;
  /**
   * An unanswered incoming ring is rejected after this many ms. 0 defers to the call's
   * `settings.ring.incomingCallTimeoutMs`; when that is 0 too, the client never rejects.
   */
  readonly autoRejectTimeoutInMs: number;
}

/**
 * Presets: `ring` for one-to-one calls that ring (auto-cancel and auto-reject after 30 s),
 * `meeting` for calls people join without ringing (no client ring timers: the call's own
 * ring settings apply).
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
  } satisfies CallConfig),
  /** For calls people join without ringing: the client's default. */
  meeting: Object.freeze({
    /** Nothing rings unless `ring: true` is given. */
    ringByDefault: false,
    /** 0: the client never cancels a ring itself; the call's `ring.outgoingCallTimeoutMs` applies, if any. */
    autoCancelTimeoutInMs: 0,
    /** 0: the client never rejects a ring itself; the call's `ring.incomingCallTimeoutMs` applies, if any. */
    autoRejectTimeoutInMs: 0,
  } satisfies CallConfig),
});
