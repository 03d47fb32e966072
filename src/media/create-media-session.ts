import type { Credentials } from '../../gen/stream/video/coordinator/v1/models';
import type { ResolvedOptions } from '../client-options';
import type { StreamCoordinatorClient } from '../coordinator/StreamCoordinatorClient';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import { MediaSession } from './media-session';

/**
 * The seam between the facade and the media layer: the media session of a call just joined,
 * or `undefined` where there is no `RTCPeerConnection` (the call's media methods then fail
 * with `unsupported`).
 */
export function createMediaSession(
  call: { readonly data: { readonly type: string; readonly id: string }; readonly sessionId: string; readonly ownCapabilities: readonly string[] },
  credentials: Credentials,
  options: Pick<ResolvedOptions, 'RTCPeerConnection' | 'logger' | 'statsIntervalMs'>,
  coordinator: StreamCoordinatorClient,
  store: StreamVideoWriteableStateStore,
  userId: string,
): MediaSession | undefined {
  if (!options.RTCPeerConnection) return undefined;
  return new MediaSession({
    type: call.data.type,
    id: call.data.id,
    sessionId: call.sessionId,
    userId,
    iceServers: credentials.iceServers,
    RTCPeerConnection: options.RTCPeerConnection,
    coordinator,
    store,
    logger: options.logger,
    statsIntervalMs: options.statsIntervalMs,
    ownCapabilities: () => call.ownCapabilities,
  });
}
