import type { OutgoingSignals, SendSignalsResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { PeerType, type Signal } from '../../gen/stream/video/coordinator/v1/models';
import { StreamVideoError } from '../errors/stream-video-error';
import type { Logger } from '../config/logger';

/** What a signal carries: a description, an ICE candidate or an ICE restart request. */
export type SignalKind = Signal['kind'];

/** Most signals sent in one request (the coordinator takes up to 500). */
const MAX_BATCH = 200;
/** Most target sessions in one request (the coordinator's limit). */
const MAX_TARGETS = 16;
/** Backoff of a request that failed after the RPC layer's own retries, in ms. */
const RETRY_BASE_MS = 250;
const RETRY_MAX_MS = 5000;

/**
 * The outgoing half of signalling for one session in a call: numbers each signal per target
 * session (1, 2, 3...), batches what was queued into one `SendSignals` request, and sends
 * again, with the same numbers, whatever a failed request may not have delivered: the
 * coordinator drops the numbers it has seen, so nothing is lost or repeated. One request at a
 * time keeps the order.
 *
 * The incoming half is {@link SignalChannel.accept}: each sender's signals must come in order,
 * once; a number already seen is dropped.
 *
 * ```ts
 * const channel = new SignalChannel((targets) => rpc.sendSignals(targets), logger);
 * channel.send('bob-session', { oneofKind: 'iceRestart', iceRestart: {} });
 * channel.close();
 * ```
 */
export class SignalChannel {
  private readonly nextSeq = new Map<string, number>();
  private readonly lastSeen = new Map<string, number>();
  private queue: { to: string; signal: Signal }[] = [];
  private busy = false;
  private scheduled = false;
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private failures = 0;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** Requests sent, for tests and reports. */
  requests = 0;

  /**
   * @param transport sends one request; it should reject with a `StreamVideoError`.
   * @param logger where failures are logged.
   */
  constructor(
    private readonly transport: (targets: OutgoingSignals[]) => Promise<SendSignalsResponse>,
    private readonly logger: Logger,
  ) {}

  /**
   * Queues a signal to `to`; it leaves with the next request (queued signals go together).
   * @param generation the generation of the sending peer connection (see `Signal.generation`).
   * @param peerType which of this session's peer connections sends it: UNSPECIFIED in a mesh, PUBLISHER or SUBSCRIBER to the SFU.
   */
  send(to: string, kind: SignalKind, generation = 0, peerType = PeerType.UNSPECIFIED): void {
    if (this.closed) return;
    const seq = (this.nextSeq.get(to) ?? 0) + 1;
    this.nextSeq.set(to, seq);
    this.queue.push({ to, signal: { seq, kind, generation, peerType } });
    this.schedule();
  }

  /**
   * Whether a received signal is new: true once per `(from, seq)`, in order; false for a
   * number already seen (never expected: the coordinator dedups and the socket resumes).
   */
  accept(from: string, seq: number): boolean {
    const last = this.lastSeen.get(from) ?? 0;
    if (seq <= last) return false;
    if (seq !== last + 1) this.logger('warn', 'signals from a session were lost', { from, expected: last + 1, got: seq });
    this.lastSeen.set(from, seq);
    return true;
  }

  /** Forgets a session that left: its queued signals and its numbers. */
  forget(sessionId: string): void {
    this.queue = this.queue.filter((q) => q.to !== sessionId);
    this.nextSeq.delete(sessionId);
    this.lastSeen.delete(sessionId);
  }

  /** Resolves once nothing is queued or in flight (for tests and orderly shutdowns). */
  idle(): Promise<void> {
    if (this.queue.length === 0 && !this.busy) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Drops what is queued and stops sending; later signals are ignored. */
  close(): void {
    this.closed = true;
    clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    this.queue = [];
    this.settleIdle();
  }

  private schedule(): void {
    if (this.scheduled || this.busy || this.retryTimer !== undefined || this.closed) return;
    this.scheduled = true;
    // A microtask: the signals queued in the same turn (a burst of candidates) go together.
    queueMicrotask(() => {
      this.scheduled = false;
      void this.flush();
    });
  }

  private async flush(): Promise<void> {
    if (this.closed || this.busy || this.queue.length === 0) return this.settleIdle();
    this.busy = true;
    const batch = prefix(this.queue);
    let retry = false;
    try {
      this.requests++;
      await this.transport(group(batch));
      this.failures = 0;
      this.remove(batch);
    } catch (caught) {
      const err = StreamVideoError.from(caught);
      const target = err.meta['to_session_id'];
      if (this.closed || err.code === 'disconnected' || err.code === 'cancelled') {
        this.queue = [];
      } else if (err.code === 'permission_denied' && target) {
        // That session left the call: what was queued for it can never be delivered.
        this.logger('debug', 'dropped signals to a session that left', { to: target });
        this.forget(target);
      } else if (
        err.retryable ||
        err.code === 'unknown' ||
        err.code === 'internal' ||
        (err.code === 'resource_exhausted' && err.meta['reason'] === 'signal_rate')
      ) {
        // Too fast for the coordinator's limit per target: the same signals go again after the backoff.
        retry = true;
      } else {
        this.logger('warn', 'signals were refused', { code: err.code, reason: err.meta['reason'] });
        this.remove(batch);
      }
    } finally {
      this.busy = false;
    }
    if (retry && !this.closed) {
      const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** this.failures++);
      this.logger('debug', 'sending signals again', { delay });
      this.retryTimer = setTimeout(() => {
        this.retryTimer = undefined;
        void this.flush();
      }, delay);
      return;
    }
    if (this.queue.length > 0) this.schedule();
    else this.settleIdle();
  }

  /**
   * Takes the signals of a request off the queue, by identity: while it was in flight,
   * `forget` may have removed some of them, so the queue's head is not the request any more.
   */
  private remove(batch: readonly { to: string; signal: Signal }[]): void {
    const sent = new Set(batch);
    this.queue = this.queue.filter((q) => !sent.has(q));
  }

  private settleIdle(): void {
    if (this.busy || (this.queue.length > 0 && !this.closed)) return;
    for (const resolve of this.idleWaiters.splice(0)) resolve();
  }
}

/** The longest prefix of the queue one request may carry. */
function prefix(queue: readonly { to: string; signal: Signal }[]): { to: string; signal: Signal }[] {
  const targets = new Set<string>();
  let n = 0;
  for (; n < queue.length && n < MAX_BATCH; n++) {
    const to = queue[n].to;
    if (!targets.has(to) && targets.size === MAX_TARGETS) break;
    targets.add(to);
  }
  return queue.slice(0, n);
}

/** Queued signals as request targets: one entry per target, in first-queued order, each in order. */
function group(batch: readonly { to: string; signal: Signal }[]): OutgoingSignals[] {
  const byTarget = new Map<string, Signal[]>();
  for (const { to, signal } of batch) {
    let list = byTarget.get(to);
    if (!list) byTarget.set(to, (list = []));
    list.push(signal);
  }
  return [...byTarget].map(([toSessionId, signals]) => ({ toSessionId, signals }));
}
