/**
 * Helpers the benchmarks share: a raw client of the hub that speaks the protocol itself (for
 * the fan-out baseline), and participant joined/left payloads.
 */
import { WebSocket } from 'ws';
import { Timestamp } from '../gen/google/protobuf/timestamp';
import { ClientFrame, ServerFrame } from '../gen/stream/video/coordinator/v1/events';
import { Participant, User } from '../gen/stream/video/coordinator/v1/models';
import type { LocalCoordinator } from '../src/testing';
import type { EventPayload } from '../src/testing/state/coordinator-state';

/** A raw client of the hub: speaks auth (with a fresh resume point), then hands every event frame's bytes to `onEvent`. */
export interface RawHubClient {
  readonly ws: WebSocket;
  close(): void;
}

/** Tag byte of `ServerFrame.event` (field 4, length-delimited): the first byte of an event frame. */
const EVENT_TAG = (4 << 3) | 2;

/**
 * Connects a raw `ws` client to the hub as `userId` and resolves once live (after the
 * connection ok, which answers the auth frame and its fresh resume point). Handshake frames are decoded with the generated code; afterwards the
 * client only looks at the first byte of each frame to count event frames.
 */
export function connectRawHubClient(c: LocalCoordinator, userId: string, token: string, onEvent: (bytes: Buffer) => void): Promise<RawHubClient> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(c.wsUrl);
    let phase: 'auth' | 'live' = 'auth';
    const fail = (err: Error) => {
      ws.terminate();
      reject(err);
    };
    ws.on('error', (err) => phase !== 'live' && fail(err));
    ws.on('open', () => {
      const resume = { lastSeq: 0, fresh: true, epoch: '' };
      ws.send(
        ClientFrame.toBinary({
          frame: { oneofKind: 'auth', auth: { apiKey: c.apiKey, token, user: User.create({ id: userId, name: userId, role: 'user' }), resume } },
        }),
      );
    });
    ws.on('message', (data: Buffer) => {
      if (phase === 'live') {
        if (data[0] === EVENT_TAG) onEvent(data);
        return;
      }
      const frame = ServerFrame.fromBinary(data).frame;
      if (phase === 'auth' && frame.oneofKind === 'connectionOk') {
        phase = 'live';
        resolve({ ws, close: () => ws.terminate() });
      } else if (frame.oneofKind === 'error') {
        fail(new Error(`hub refused ${userId}: ${frame.error.code} ${frame.error.message}`));
      }
    });
  });
}

/** A participant of the schema, numbered. */
export function participant(n: number): Participant {
  return Participant.create({
    sessionId: `s-${n}`,
    role: 'user',
    user: User.create({ id: `u-${n}`, name: `User ${n}`, role: 'user' }),
    joinedAt: Timestamp.fromDate(new Date(1_700_000_000_000 + n)),
  });
}

export const joined = (n: number): EventPayload => ({ oneofKind: 'participantJoined', participantJoined: { participant: participant(n) } });
export const left = (n: number): EventPayload => ({ oneofKind: 'participantLeft', participantLeft: { participant: participant(n) } });
