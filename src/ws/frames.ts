import { ClientFrame, ServerFrame } from '../../gen/stream/video/coordinator/v1/events';
import type { User } from '../../gen/stream/video/coordinator/v1/models';
import { StreamVideoError } from '../errors/stream-video-error';

/** The cases of a server frame's oneof, e.g. `connectionOk`, `event`. */
export type ServerFrameCase = Exclude<ServerFrame['frame']['oneofKind'], undefined>;
/** The cases of a client frame's oneof, e.g. `auth`, `resume`. */
export type ClientFrameCase = Exclude<ClientFrame['frame']['oneofKind'], undefined>;
/** The server frame of one case, e.g. `ServerFrameOf<'event'>` has `.event`. */
export type ServerFrameOf<K extends ServerFrameCase> = Extract<ServerFrame['frame'], { oneofKind: K }>;
/** The client frame of one case. */
export type ClientFrameOf<K extends ClientFrameCase> = Extract<ClientFrame['frame'], { oneofKind: K }>;

/** Encodes a client frame's oneof into binary protobuf. */
export function encodeClientFrame(frame: ClientFrame['frame']): Uint8Array {
  return ClientFrame.toBinary({ frame });
}

/** Encodes a server frame's oneof into binary protobuf. */
export function encodeServerFrame(frame: ServerFrame['frame']): Uint8Array {
  return ServerFrame.toBinary({ frame });
}

/** Decodes binary protobuf into a server frame; throws on bytes that are not one. */
export function decodeServerFrame(data: Uint8Array): ServerFrame {
  return ServerFrame.fromBinary(data);
}

/** Decodes binary protobuf into a client frame; throws on bytes that are not one. */
export function decodeClientFrame(data: Uint8Array): ClientFrame {
  return ClientFrame.fromBinary(data);
}

/**
 * The largest client frame the coordinator reads, in bytes (64 KiB). A larger one is refused
 * with a `frame_too_large` error frame and close 4006 (`CLOSE_CODES.FRAME_TOO_LARGE`).
 */
export const MAX_CLIENT_FRAME_BYTES = 64 * 1024;

/** Room kept in the auth frame for the token and the resume point, unknown before connecting, in bytes. */
export const AUTH_FRAME_RESERVE_BYTES = 8 * 1024;

/**
 * Checks that the auth frame of `user` fits the coordinator's frame limit with room for the
 * token and the resume point ({@link AUTH_FRAME_RESERVE_BYTES}): a profile that does not
 * would be refused with 4006 on every attempt. Only `custom` is unbounded in a profile.
 * @throws StreamVideoError `invalid_argument` naming `user.custom` (or `user` without custom data).
 */
export function checkAuthFrameSize(method: string, apiKey: string, user: User): void {
  const bytes = encodeClientFrame({ oneofKind: 'auth', auth: { apiKey, token: '', user, resume: undefined } }).byteLength;
  const room = MAX_CLIENT_FRAME_BYTES - AUTH_FRAME_RESERVE_BYTES;
  if (bytes > room) {
    throw StreamVideoError.invalidArgument(
      method,
      user.custom ? 'user.custom' : 'user',
      `makes the auth frame ${bytes} bytes: at most ${room} fit (the server reads frames of up to ${MAX_CLIENT_FRAME_BYTES} bytes)`,
    );
  }
}
