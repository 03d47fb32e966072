/**
 * Helpers of the Node media tests (test/media/): clients with the in-memory WebRTC of
 * fake-webrtc.ts, a call everyone joins, waits on a remote participant, a network source the
 * test switches, and a shortened MEDIA_TIMING.
 *
 * ```ts
 * const alice = await mediaClient(h, rtc, 'alice');
 * const calls = await joinAll({ alice, bob });
 * await remoteWhere(alice, 'bob', (p) => p.trackStates[TrackType.VIDEO] === 'receiving', "bob's video");
 * ```
 */
import { CALL_CONFIG, type Call, type StreamParticipant, type StreamVideoClient } from '../../src/index-node';
import type { Logger } from '../../src/config/logger';
import { MEDIA_TIMING } from '../../src/media/media-timing';
import type { NetworkEventSource } from '../../src/ws/websocket-like';
import type { FakePeerConnection, FakeWebRtc } from './fake-webrtc';
import { uniqueId, waitFor, type Harness } from './sdk';

/** Options of {@link mediaClient}. */
export interface MediaClientOptions {
  statsIntervalMs?: number;
  logger?: Logger;
  network?: NetworkEventSource;
}

/** A client of `user` with the fake WebRTC and a quick reconnect. */
export function mediaClient(h: Harness, rtc: FakeWebRtc, user: string, o: MediaClientOptions = {}): Promise<StreamVideoClient> {
  return h.connect(user, {
    callConfig: CALL_CONFIG.meeting,
    opts: {
      RTCPeerConnection: rtc.for(user),
      statsIntervalMs: o.statsIntervalMs ?? 0,
      reconnectPolicy: { nextDelayMs: () => 5 },
      ...(o.logger ? { logger: o.logger } : {}),
      ...(o.network ? { network: o.network } : {}),
    },
  });
}

/** The first client creates `type:id` with the others as members; everyone joins. */
export async function joinAll(clients: Record<string, StreamVideoClient>, type = 'default'): Promise<Record<string, Call>> {
  const id = uniqueId('media');
  const [first, ...rest] = Object.keys(clients);
  await clients[first].getOrCreateCall(id, type, { members: rest.map((userId) => ({ userId })) });
  const calls: Record<string, Call> = {};
  for (const [user, client] of Object.entries(clients)) calls[user] = await client.joinCall(id, type);
  for (const client of Object.values(clients))
    await waitFor(client.readOnlyStateStore.participants$, (l) => l.size === Object.keys(clients).length, 'everyone in the call');
  return calls;
}

/** Resolves with the remote participant `userId` once `ok` holds for it in `client`'s store. */
export function remoteWhere(client: StreamVideoClient, userId: string, ok: (p: StreamParticipant) => boolean, what: string): Promise<StreamParticipant> {
  return waitFor(client.readOnlyStateStore.remoteParticipants$, (list) => list.toArray().some((p) => p.userId === userId && ok(p)), what).then((list) =>
    list.toArray().find((p) => p.userId === userId)!,
  );
}

/** Whether every one of `pcs` is connected and stable (and there is one). */
export const connected = (pcs: FakePeerConnection[]) =>
  pcs.length > 0 && pcs.every((pc) => pc.connectionState === 'connected' && pc.signalingState === 'stable');

/** `online` / `offline` on demand, as a browser's `window` sends them. */
export class FakeNetwork implements NetworkEventSource {
  private readonly target = new EventTarget();
  addEventListener(type: 'online' | 'offline', listener: () => void): void {
    this.target.addEventListener(type, listener);
  }
  removeEventListener(type: 'online' | 'offline', listener: () => void): void {
    this.target.removeEventListener(type, listener);
  }
  emit(type: 'online' | 'offline'): void {
    this.target.dispatchEvent(new Event(type));
  }
}

/** Sets MEDIA_TIMING fields for one test; the returned function puts the defaults back. */
export function shortTiming(values: Partial<typeof MEDIA_TIMING>): () => void {
  const saved = { ...MEDIA_TIMING };
  Object.assign(MEDIA_TIMING, values);
  return () => void Object.assign(MEDIA_TIMING, saved);
}

/** A logger that keeps each line's `code` (and message), for assertions on what the SDK did. */
export function codeLog(): { logger: Logger; codes: string[]; count(code: string): number } {
  const codes: string[] = [];
  return {
    codes,
    logger: (_level, _message, extra) => {
      if (typeof extra?.['code'] === 'string') codes.push(extra['code']);
    },
    count: (code) => codes.filter((c) => c === code).length,
  };
}
