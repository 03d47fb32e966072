import type { WebSocket } from 'ws';
import { Event, type ClientFrame, type ServerFrame } from '../../../gen/stream/video/coordinator/v1/events';
import { CLOSE_CODES } from '../../ws/close-codes';
import { encodeServerFrame } from '../../ws/frames';
import type { PublishBatch } from './event-log';

/** Where a hub socket is in its life. */
export type HubConnectionPhase = 'awaiting_auth' | 'authenticating' | 'live' | 'closed';

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
   * Sends an event frame. With the `batch` of a publish to many users, what the users'
   * events share (creation time, cid, payload: the same objects) is encoded once for the
   * batch; each frame then adds only its own seq. The bytes are the same as `send`'s.
   */
  sendEvent(event: Event, batch?: PublishBatch): void {
    if (!batch || this.phase === 'closed' || this.silenced) {
      this.send({ oneofKind: 'event', event });
      return;
    }
    let shared = batch.encoded;
    if (!shared || shared.createdAt !== event.createdAt || shared.callCid !== event.callCid || shared.payload !== event.payload) {
      const { createdAt, callCid, payload } = event;
      shared = batch.encoded = { createdAt, callCid, payload, bytes: Event.toBinary({ seq: 0, createdAt, callCid, payload }) };
    }
    this.sendBytes(encodeEventFrame(event.seq, shared.bytes));
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
/** Tag of `Event.seq`: field 1, varint. */
const SEQ_TAG = (1 << 3) | 0;

/** Appends `n` (a whole number, 0 ≤ n < 2^53) as a protobuf varint at `at`; returns the next index. */
function writeVarint(out: Uint8Array, at: number, n: number): number {
  while (n >= 0x80) {
    out[at++] = (n % 0x80) | 0x80;
    n = Math.floor(n / 0x80);
  }
  out[at++] = n;
  return at;
}

function varintLength(n: number): number {
  let length = 1;
  for (; n >= 0x80; n = Math.floor(n / 0x80)) length++;
  return length;
}

/**
 * `ServerFrame { event }` from the event's `seq` and the encoding of its other fields (an
 * `Event` with `seq` 0). The writer emits fields by number and leaves out a 0 seq, so
 * `seq` (field 1) followed by the rest is byte for byte `encodeServerFrame`'s output.
 */
export function encodeEventFrame(seq: number, rest: Uint8Array): Uint8Array {
  const seqLength = seq === 0 ? 0 : 1 + varintLength(seq);
  const length = seqLength + rest.length;
  const out = new Uint8Array(1 + varintLength(length) + length);
  out[0] = EVENT_FRAME_TAG;
  let i = writeVarint(out, 1, length);
  if (seq !== 0) {
    out[i++] = SEQ_TAG;
    i = writeVarint(out, i, seq);
  }
  out.set(rest, i);
  return out;
}
