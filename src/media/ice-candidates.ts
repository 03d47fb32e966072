import type { IceCandidate } from '../../gen/stream/video/coordinator/v1/models';

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

/** A schema candidate as `addIceCandidate` takes it. */
export function fromCandidate(c: IceCandidate): RTCIceCandidateInit {
  const init: RTCIceCandidateInit = { candidate: c.candidate };
  if (c.sdpMid) init.sdpMid = c.sdpMid;
  if (c.sdpMLineIndex >= 0) init.sdpMLineIndex = c.sdpMLineIndex;
  if (c.usernameFragment) init.usernameFragment = c.usernameFragment;
  return init;
}
