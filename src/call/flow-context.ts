import type { User } from '../plain/plain-types';
import type { ResolvedCallConfig } from '../config/call-config';
import type { ResolvedOptions } from '../options/client-options';
import type { StreamCoordinatorClient } from '../coordinator/coordinator-client';
import type { RpcSession } from '../coordinator/rpc-session';
import type { EventGate } from '../events/event-gate';
import type { FoldedEvents } from '../events/event-pipeline';
import type { StreamEventMap } from '../events/event-map';
import type { EventRouter } from '../events/event-router';
import type { StreamVideoWriteableStateStore } from '../store/state-store';
import type { Call } from './call';
import type { EdgeLatency } from './edge-latency';

/** What the ring and join flows of one user session share. */
export interface FlowContext {
  /** The store, with `Call` as its joined-call handle. */
  readonly store: StreamVideoWriteableStateStore<Call>;
  /** The typed RPCs. */
  readonly coordinator: StreamCoordinatorClient;
  /** The session every request of the flows belongs to. */
  readonly rpc: RpcSession;
  /** Holds a call's events while an RPC answer about it is in flight. */
  readonly gate: EventGate;
  /** The session's events once folded: the joined call's media follows them. */
  readonly events: FoldedEvents;
  /** The connected user. */
  readonly user: User;
  /** How calls ring on this client. */
  readonly callConfig: ResolvedCallConfig;
  /** The client's options (timeouts, logger). */
  readonly options: ResolvedOptions;
  /** The latency to each edge, measured in the background. */
  readonly edges: EdgeLatency;
  /** The client's listeners (the SDK's own events, e.g. `device.changed`). */
  readonly router: EventRouter<StreamEventMap>;
  /** Resolves once the socket is connected (waits for a reconnect, bounded). */
  ready(method: string): Promise<void>;
}
