/**
 * Why a recording could not be made into a file (the `reason` of `call.recording_failed`):
 * `no_media` (nothing was published while it recorded), `processing_failed` (`janus-pp-rec`
 * or `ffmpeg` failed), `timeout` (post-processing took longer than `processTimeoutMs`),
 * `storage_full` (the recordings folder reached `maxBytes`), `tools_missing` (`janus-pp-rec`
 * or `ffmpeg` is not installed), `sfu_unavailable` (the SFU could not record).
 */
export type RecordingFailure = 'no_media' | 'processing_failed' | 'timeout' | 'storage_full' | 'tools_missing' | 'sfu_unavailable';

/**
 * A recording that failed, as the local coordinator reports it to `onError` (where
 * `recording`): `code` is the reason its members receive with `call.recording_failed`,
 * `rawFolder` where the SFU's raw files were kept, `output` the last lines the failing tool
 * printed.
 *
 * ```ts
 * const coordinator = await LocalCoordinator.start({
 *   sfu: 'janus',
 *   onError: (err) => err instanceof RecordingError && console.log(err.code, err.rawFolder),
 * });
 * ```
 */
export class RecordingError extends Error {
  /** Always `RecordingError`. */
  override readonly name = 'RecordingError';

  /**
   * A recording's failure, with what the report needs.
   * @param code why it failed.
   * @param message a sentence for people.
   * @param details the call, the file it would have made, the raw files' folder, the tool's output, the cause.
   */
  constructor(
    readonly code: RecordingFailure,
    message: string,
    details: { callCid?: string; filename?: string; rawFolder?: string; output?: string; cause?: unknown } = {},
  ) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.callCid = details.callCid;
    this.filename = details.filename;
    this.rawFolder = details.rawFolder;
    this.output = details.output;
  }

  /** The recorded call's `type:id`. */
  readonly callCid: string | undefined;
  /** The file the recording would have been. */
  readonly filename: string | undefined;
  /** Where the SFU's raw `.mjr` files were kept. */
  readonly rawFolder: string | undefined;
  /** The last lines the failing tool printed. */
  readonly output: string | undefined;
}
