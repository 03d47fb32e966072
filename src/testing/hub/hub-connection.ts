import type { WebSocket } from 'ws';
import { Event, type ClientFrame, type ServerFrame } from '../../../gen/stream/video/coordinator/v1/events';
import { CLOSE_CODES } from '../../ws/close-codes';
import { encodeServerFrame } from '../../ws/frames';
import type { PublishBatch } from './event-log';

/** Where a hub socket is in its life. */
export type HubConnectionPhase = 'awaiting_auth' | 'awaiting_resume' | 'live' | 'closed';

/**
 * One client socket on the hub: an outgoing queue that keeps order under injected delays,
 * liveness tracking, and the phase of the handshake.
 */
export class HubConnection {
  phase: HubConnectionPhase = 'awaiting_auth';
  userId = '';
  silenced = false;
  lastSeen: number;
  private queue: (Uint8Array | string)[] = [];
  private flushing = false;
  private readonly timers = new Set<ReturnType<typeof setTimeout>>();

  constructor(
    readonly id: string,
    readonly socket: WebSocket,
    private readonly frameDelayMs: () => number,
    private readonly onDelayed: () => void,
    now: number,
  ) {
    this.lastSeen = now;
  }

  /** Sends a frame; with a frame delay, after it, keeping the order of all frames. */
  send(frame: ServerFrame['frame']): void {
    this.sendBytes(encodeServerFrame(frame));
  }

  /**
   * Sends an event frame. With the `batch` of a publish to many users, the payload (the
   * same object in each user's event) is encoded once for the batch; each frame then
   * encodes only its own seq, time and cid: the bytes are the same as `send`'s.
   */
  sendEvent(event: Event, batch?: PublishBatch): void {
    if (!batch || this.phase === 'closed' || this.silenced) {
      this.send({ oneofKind: 'event', event });
      return;
    }
    batch.payloadBytes ??= Event.toBinary({ seq: 0, createdAt: undefined, callCid: '', payload: event.payload });
    this.sendBytes(encodeEventFrame(event, batch.payloadBytes));
  }

  sendBytes(bytes: Uint8Array | string): void {
    if (this.phase === 'closed' || this.silenced) return;
    const delay = this.frameDelayMs();
    if (delay <= 0 && !this.flushing) {
      this.socket.send(bytes);
      return;
    }
    this.queue.push(bytes);
    this.onDelayed();
    if (!this.flushing) this.flush();
  }

  private flush(): void {
    this.flushing = true;
    this.later(Math.max(0, this.frameDelayMs()), () => {
      const next = this.queue.shift();
      if (next && this.phase !== 'closed' && !this.silenced) this.socket.send(next);
      if (this.queue.length > 0) this.flush();
      else this.flushing = false;
    });
  }

  /** Runs `fn` after `ms` unless the connection closes first. */
  later(ms: number, fn: () => void): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      fn();
    }, ms);
    this.timers.add(timer);
  }

  /** Sends an error frame, then closes with `closeCode`. */
  fail(code: string, message: string, closeCode: number): void {
    if (this.phase === 'closed') return;
    this.socket.send(encodeServerFrame({ oneofKind: 'error', error: { code, message } }));
    this.close(closeCode, code);
  }

  close(code: number = CLOSE_CODES.NORMAL, reason = ''): void {
    if (this.phase === 'closed') return;
    this.dispose();
    this.socket.close(code, reason);
  }

  /** Kills the socket without a close frame. */
  terminate(): void {
    this.dispose();
    this.socket.terminate();
  }

  /** Clears every timer and the queue; idempotent. */
  dispose(): void {
    this.phase = 'closed';
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    this.queue = [];
  }

  /** Whether the client frame `frame` is allowed in the current phase. */
  accepts(frame: ClientFrame['frame']): boolean {
    if (this.phase === 'awaiting_auth') return frame.oneofKind === 'auth';
    return frame.oneofKind !== 'auth';
  }
}

/** Tag of `ServerFrame.event`: field 4, length-delimited. */
const EVENT_FRAME_TAG = (4 << 3) | 2;

/**
 * `ServerFrame { event }` from the event's own fields and its payload already encoded as an
 * `Event` field. The writer emits fields by number (seq 1, created_at 2, call_cid 3, then the
 * payload's 10..25), so the concatenation is byte for byte `encodeServerFrame`'s output.
 */
export function encodeEventFrame(event: Event, payloadBytes: Uint8Array): Uint8Array {
  const head = Event.toBinary({ seq: event.seq, createdAt: event.createdAt, callCid: event.callCid, payload: { oneofKind: undefined } });
  const length = head.length + payloadBytes.length;
  let lengthBytes = 1;
  for (let n = length; n >= 0x80; n >>>= 7) lengthBytes++;
  const out = new Uint8Array(1 + lengthBytes + length);
  out[0] = EVENT_FRAME_TAG;
  let i = 1;
  let n = length;
  while (n >= 0x80) {
    out[i++] = (n & 0x7f) | 0x80;
    n >>>= 7;
  }
  out[i++] = n;
  out.set(head, i);
  out.set(payloadBytes, i + head.length);
  return out;
}
