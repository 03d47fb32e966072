import type { Credentials } from '../../gen/stream/video/coordinator/v1/models';
import type { Logger } from '../config/logger';
import type { StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import type { CallMedia } from './call-media';
import { MediaSession } from './media-session';
import type { RTCPeerConnectionConstructor } from './peer-connection';
import { SfuSession } from './sfu/sfu-session';

/** What the media of a joined call needs from the session that joined it. */
export interface MediaSessionSeam {
  readonly RTCPeerConnection: RTCPeerConnectionConstructor | undefined;
  readonly statsIntervalMs: number;
  readonly logger: Logger;
  readonly coordinator: StreamCoordinatorClient;
  readonly rpc: RpcSession;
  readonly store: StreamVideoWriteableStateStore<unknown>;
  readonly userId: string;
}

/**
 * The seam between the join flow and the media layer: the media of a call just joined, in
 * the call's topology (`settings.media.topology`): a publisher and a subscriber connection to
 * the SFU for `sfu`, a mesh of peer connections otherwise; or `undefined` where there is no
 * `RTCPeerConnection` (the call's media methods then fail with `unsupported`).
 * @param call the call's type and id, its topology, this session's id, and the user's capabilities in it now.
 * @param credentials the edge credentials of the join (its ICE servers, the SFU's session id).
 */
export function createMediaSession(
  call: { readonly type: string; readonly id: string; readonly topology: string; readonly sessionId: string; ownCapabilities(): readonly string[] },
  credentials: Credentials,
  seam: MediaSessionSeam,
): CallMedia | undefined {
  if (!seam.RTCPeerConnection) return undefined;
  const options = {
    type: call.type,
    id: call.id,
    sessionId: call.sessionId,
    userId: seam.userId,
    iceServers: credentials.iceServers,
    RTCPeerConnection: seam.RTCPeerConnection,
    coordinator: seam.coordinator,
    rpc: seam.rpc,
    store: seam.store,
    logger: seam.logger,
    statsIntervalMs: seam.statsIntervalMs,
    ownCapabilities: () => call.ownCapabilities(),
  };
  return call.topology === 'sfu' ? new SfuSession({ ...options, sfuSessionId: credentials.sfuSessionId }) : new MediaSession(options);
}
