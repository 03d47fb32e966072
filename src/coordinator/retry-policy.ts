/** How failed RPCs are retried. Only idempotent requests are retried. */
export interface RetryPolicy {
  /** Attempts in all, the first included (default 3). */
  maxAttempts: number;
  /** First backoff step, in ms (default 100); full jitter, doubling each attempt. */
  baseDelayMs: number;
  /** Largest backoff, in ms (default 2,000). */
  maxDelayMs: number;
}

/** The default {@link RetryPolicy}: 3 attempts, 100 ms first step, 2,000 ms at most. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = Object.freeze({ maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 2000 });

/**
 * RPCs that are safe to send again, by local name: the server makes a repeat change nothing
 * (a join is keyed by its session id). Others are sent once unless the call says otherwise.
 */
export const IDEMPOTENT_RPCS: ReadonlySet<string> = new Set([
  'getOrCreateCall',
  'joinCall',
  'leaveCall',
  'endCall',
  'queryCalls',
  'queryMembers',
  'kickUser',
  'blockUser',
  'unblockUser',
]);
