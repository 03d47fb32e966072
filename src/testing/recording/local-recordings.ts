/**
 * The local coordinator's recordings as tests and tools see them (`coordinator.recordings`).
 *
 * ```ts
 * await client.stopRecording('standup', 'default');
 * console.log(coordinator.recordings.recording, coordinator.recordings.pending); // 0 1: being made into a file
 * ```
 */
export interface LocalRecordings {
  /** Calls whose media is being recorded now. */
  readonly recording: number;
  /** Recordings being post-processed into files, or waiting for their turn. */
  readonly pending: number;
}
