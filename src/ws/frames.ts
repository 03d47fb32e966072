import { ClientFrame, ServerFrame } from '../../gen/stream/video/coordinator/v1/events';

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
