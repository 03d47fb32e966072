import type { StreamVideoClient } from '../StreamVideoClient';
import { TEST_SEAM, type ClientProbe } from '../session/test-seam';

/**
 * A client's test seam: counts that show nothing piles up (listeners, ring timers, sockets,
 * token provider calls) and a simulated socket drop, for tests of apps and of the SDK. Not
 * for application code: what it shows may change in any release.
 *
 * ```ts
 * import { inspectClient } from 'stream-video-client/testing';
 * inspectClient(client).connection?.simulateDrop();
 * assert.equal(inspectClient(client).ringTimers, 0);
 * ```
 * @param client a client made by this version of the SDK.
 */
export function inspectClient(client: StreamVideoClient): ClientProbe {
  return client[TEST_SEAM];
}
