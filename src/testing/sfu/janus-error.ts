/**
 * Why Janus could not serve: `not_installed` (no Janus program: Debian's `janus` package is
 * missing), `start_failed` (it exited or could not be reached while starting),
 * `start_timeout` (it did not answer on its API in time), `stopped` (it exited, crashed or
 * was stopped while in use), `request_failed` (it refused a request; `janusCode` says why),
 * `request_timeout` (a request went unanswered).
 */
export type JanusErrorCode = 'not_installed' | 'start_failed' | 'start_timeout' | 'stopped' | 'request_failed' | 'request_timeout';

/**
 * A failure of the local coordinator's Janus: its `code` says which, `janusCode` the
 * VideoRoom error code of a refused request (e.g. 428, no such feed), and `output` the last
 * lines Janus printed when it failed to start.
 *
 * ```ts
 * try { await LocalCoordinator.start({ sfu: 'janus' }); } catch (err) {
 *   if (err instanceof JanusError && err.code === 'not_installed') console.log('apt-get install janus');
 * }
 * ```
 */
export class JanusError extends Error {
  /** Always `'JanusError'`. */
  override readonly name = 'JanusError';

  /**
   * A failure to report; the local coordinator makes these, tests read them.
   * @param code what failed.
   * @param message a sentence for people.
   * @param details the VideoRoom error code, Janus's last output lines, the cause.
   */
  constructor(
    readonly code: JanusErrorCode,
    message: string,
    details: { janusCode?: number; output?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.janusCode = details.janusCode;
    this.output = details.output;
  }

  /** The VideoRoom's error code of a refused request (e.g. 428, no such feed; 432, too many publishers). */
  readonly janusCode: number | undefined;
  /** What Janus printed last, when it failed to start. */
  readonly output: string | undefined;
}
