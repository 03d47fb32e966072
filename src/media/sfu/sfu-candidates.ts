import type { IceCandidate } from '../../../gen/stream/video/coordinator/v1/models';

/** A candidate of `icecandidate` in the schema's form; `null` (the end of candidates) is an empty one. */
export function toCandidate(candidate: RTCIceCandidate | null): IceCandidate {
  if (!candidate) return { candidate: '', sdpMid: '', sdpMLineIndex: -1, usernameFragment: '' };
  return {
    candidate: candidate.candidate,
    sdpMid: candidate.sdpMid ?? '',
    sdpMLineIndex: candidate.sdpMLineIndex ?? -1,
    usernameFragment: candidate.usernameFragment ?? '',
  };
}
