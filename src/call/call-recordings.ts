import { QueryRecordingsResponse as WireQueryRecordingsResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { RpcOutput } from '../coordinator/coordinator-client';
import { StreamVideoError } from '../errors/stream-video-error';
import { toPlain } from '../plain/plain-data';
import type { QueryRecordingsResponse } from '../plain/plain-types';

export type { QueryRecordingsResponse };

/** Most characters of a recording's file name. */
export const MAX_RECORDING_FILENAME = 255;

/**
 * Checks a recording's file name (a `filename` from `queryRecordings` or
 * `call.recording_ready`): 1 to 255 characters, no slash.
 * @throws StreamVideoError `invalid_argument` with `meta.argument = "filename"`.
 */
export function checkRecordingFilename(method: string, value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_RECORDING_FILENAME || /[/\\\0]/.test(value)) {
    throw StreamVideoError.invalidArgument(method, 'filename', `must be a recording's file name: 1 to ${MAX_RECORDING_FILENAME} characters, no slash`);
  }
  return value;
}

/** A QueryRecordings answer as plain data: times as `Date`s. */
export function plainRecordings(answer: RpcOutput<'queryRecordings'>): QueryRecordingsResponse {
  return toPlain(WireQueryRecordingsResponse, answer);
}
