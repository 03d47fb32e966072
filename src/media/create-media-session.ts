import type { Credentials } from '../../gen/stream/video/coordinator/v1/models';
import type { Logger } from '../config/logger';
import type { StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import type { FoldedEvents } from '../events/event-pipeline';
import type { CallRef } from '../plain/call-ref';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import type { NetworkEventSource } from '../ws/websocket-like';
import { MediaSession } from './media-session';
import type { RTCPeerConnectionConstructor } from './peer-connection';

/** What the media of a joined call needs from the session that joined it. */
export interface MediaSessionSeam {
  readonly RTCPeerConnection: RTCPeerConnectionConstructor | undefined;
  readonly statsIntervalMs: number;
  readonly logger: Logger;
  readonly coordinator: StreamCoordinatorClient;
  readonly rpc: RpcSession;
  readonly store: StreamVideoWriteableStateStore<unknown>;
  readonly userId: string;
  /** The session's events, once folded: the media session follows them until it closes. */
  readonly events: FoldedEvents;
  /** Where `online` and `offline` come from, if anywhere (media recovers once when the network is back). */
  readonly network?: NetworkEventSource;
}

/**
 * The seam between the join flow and the media layer: the media session of a call just
 * joined, or `undefined` where there is no `RTCPeerConnection` (the call's media methods then
 * fail with `unsupported`).
 * @param call the call, this session's id in it, and the user's capabilities in it now.
 * @param credentials the edge credentials of the join (its ICE servers).
 */
export function createMediaSession(
  call: { readonly ref: CallRef; readonly sessionId: string; ownCapabilities(): readonly string[] },
  credentials: Credentials,
  seam: MediaSessionSeam,
): MediaSession | undefined {
  if (!seam.RTCPeerConnection) return undefined;
  return new MediaSession({
    type: call.ref.type,
    id: call.ref.id,
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
    events: seam.events,
    network: seam.network,
  });
}
