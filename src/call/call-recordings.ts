import { QueryRecordingsResponse as WireQueryRecordingsResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { PartialMessage } from '@protobuf-ts/runtime';
import type { RpcCallOptions, RpcInput, RpcOutput, StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import { StreamVideoError } from '../errors/stream-video-error';
import { toPlain } from '../plain/plain-data';
import type { QueryRecordingsResponse } from '../plain/plain-types';

/** The RPCs about a call's recordings. */
export type RecordingRpc = 'queryRecordings' | 'deleteRecording';

/** The fields of such an RPC besides the call's type and id. */
export type RecordingRpcInput<K extends RecordingRpc> = Omit<PartialMessage<RpcInput<K>>, 'type' | 'id'>;

/** What sending a recording RPC needs: the typed client, the user session, and a connected socket. */
export interface RecordingRpcSender {
  readonly coordinator: StreamCoordinatorClient;
  readonly rpc: RpcSession;
  ready(method: string): Promise<void>;
}

/**
 * Sends `rpc` about the call `cid` once the socket is connected, as the session's user.
 * @param method the `Call` member that sends it, for errors.
 */
export async function sendRecordingRpc<K extends RecordingRpc>(
  sender: RecordingRpcSender,
  cid: string,
  rpc: K,
  input: RecordingRpcInput<K>,
  method: string,
): Promise<RpcOutput<K>> {
  await sender.ready(method);
  const at = cid.indexOf(':');
  const send = sender.coordinator[rpc] as (input: object, options: RpcCallOptions) => Promise<RpcOutput<K>>;
  return send({ type: cid.slice(0, at), id: cid.slice(at + 1), ...input }, { session: sender.rpc });
}

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
