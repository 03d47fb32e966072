import type { WebSocket } from 'ws';
import type { ClientFrame, Event, ServerFrame } from '../../../gen/stream/video/coordinator/v1/events';
import { CLOSE_CODES } from '../../ws/close-codes';
import { encodeServerFrame } from '../../ws/frames';

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
  private queue: Uint8Array[] = [];
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

  sendEvent(event: Event): void {
    this.send({ oneofKind: 'event', event });
  }

  sendBytes(bytes: Uint8Array | string): void {
    if (this.phase === 'closed' || this.silenced) return;
    const delay = this.frameDelayMs();
    if (delay <= 0 && !this.flushing) {
      this.socket.send(bytes);
      return;
    }
    this.queue.push(typeof bytes === 'string' ? new TextEncoder().encode(bytes) : bytes);
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
