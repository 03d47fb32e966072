/**
 * The limits the SDK and the coordinator share for what users send into a call: custom
 * events and reactions. The SDK checks them before sending, the coordinator again.
 */

/**
 * The largest custom data of a custom event (`call.sendCustomEvent`) or a reaction
 * (`call.sendReaction`), as JSON in UTF-8: 5,120 bytes. Past it the SDK throws
 * `invalid_argument` with `meta.argument`, `meta.limit` and `meta.size`, and the coordinator
 * answers the same.
 *
 * ```ts
 * if (jsonByteLength(payload) <= MAX_CUSTOM_EVENT_BYTES) await call.sendCustomEvent(payload);
 * ```
 */
export const MAX_CUSTOM_EVENT_BYTES = 5120;

/** The longest reaction `type` and `emojiCode`, in characters: 64. */
export const MAX_REACTION_TEXT = 64;

/**
 * How long a participant's `reaction` is shown, in ms: 5,000. The coordinator hands a
 * reaction out with its participant (in join and query answers) for that long after it
 * arrived; the SDK clears it from the store after the client's `reactionTtlMs`, by default
 * this value.
 */
export const REACTION_TTL_MS = 5000;

/**
 * The size of `value` as JSON in UTF-8, in bytes, as the limits count it.
 * @param value a JSON value.
 * @returns the byte length of `JSON.stringify(value)`.
 */
export function jsonByteLength(value: unknown): number {
  return new TextEncoder().encode(JSON.stringify(value) ?? '').length;
}
