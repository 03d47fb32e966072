/**
 * How calls behave on this client: the ring flow's timers and whether calls ring at all.
 *
 * ```ts
 * const client = new StreamVideoClient(apiKey, {}, { ...CALL_CONFIG.ring, autoRejectTimeoutInMs: 20_000 });
 * ```
 */
export interface CallConfig {
  /** Whether `getOrCreateCall` rings the members by default. */
  readonly ringByDefault: boolean;
  /** An unanswered outgoing ring is cancelled after this many ms; 0 never cancels. */
  readonly autoCancelTimeoutInMs: number;
  /** An unanswered incoming ring is rejected after this many ms; 0 never rejects. */
  readonly autoRejectTimeoutInMs: number;
}

/**
 * Presets: `ring` for one-to-one calls that ring (auto-cancel and auto-reject after 30 s),
 * `meeting` for calls people join without ringing (no ring timers).
 */
export const CALL_CONFIG = Object.freeze({
  ring: Object.freeze({ ringByDefault: true, autoCancelTimeoutInMs: 30_000, autoRejectTimeoutInMs: 30_000 } satisfies CallConfig),
  meeting: Object.freeze({ ringByDefault: false, autoCancelTimeoutInMs: 0, autoRejectTimeoutInMs: 0 } satisfies CallConfig),
});
