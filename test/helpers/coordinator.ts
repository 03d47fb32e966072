/**
 * The one way tests start a local coordinator: on 127.0.0.1, on a free port. Close it when done.
 *
 * ```ts
 * const c = await startCoordinator({ hub: { authTimeoutMs: 100 } });
 * await c.close();
 * ```
 */
import { LocalCoordinator, type LocalCoordinatorOptions } from '../../src/testing/local-coordinator';

/** Starts a local coordinator on 127.0.0.1, on a free port, with `options` on top. */
export function startCoordinator(options: LocalCoordinatorOptions = {}): Promise<LocalCoordinator> {
  return LocalCoordinator.start({ host: '127.0.0.1', port: 0, ...options });
}
