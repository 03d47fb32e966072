import { randomUUID } from 'node:crypto';
import type { Event } from '../../../gen/stream/video/coordinator/v1/events';
import { toTimestamp } from '../state/call-record';
import type { EventPayload, EventPublisher } from '../state/coordinator-state';

/** Bounds of each user's replay buffer. */
export interface ReplayBufferOptions {
  /** Most events kept per user (default 1,000). */
  size?: number;
  /** Oldest event kept, in milliseconds (default 5 minutes). */
  maxAgeMs?: number;
}

/** What a resume request finds in a user's buffer. */
export type ReplayResult = { kind: 'events'; events: Event[] } | { kind: 'gap' };

/**
 * One user's events: numbered from 1, strictly increasing, kept in a bounded buffer for
 * replay after a reconnect.
 */
export class UserEventLog {
  /** The sequence number of the newest event (0 before the first). */
  seq = 0;
  private buffer: { event: Event; at: number }[] = [];
  private head = 0;

  constructor(
    private readonly size: number,
    private readonly maxAgeMs: number,
  ) {}

  append(callCid: string, payload: EventPayload, now: number, createdAt: Event['createdAt'] = toTimestamp(now)): Event {
    const event: Event = { seq: ++this.seq, createdAt, callCid, payload };
    this.buffer.push({ event, at: now });
    this.prune(now);
    return event;
  }

  /** The events after `lastSeq`, in order, or `gap` when some of them are no longer kept. */
  since(lastSeq: number, now: number): ReplayResult {
    this.prune(now);
    if (!Number.isInteger(lastSeq) || lastSeq < 0 || lastSeq > this.seq) return { kind: 'gap' };
    if (lastSeq === this.seq) return { kind: 'events', events: [] };
    const oldest = this.buffer[this.head]?.event.seq ?? this.seq + 1;
    if (lastSeq + 1 < oldest) return { kind: 'gap' };
    const start = this.head + (lastSeq + 1 - oldest);
    return { kind: 'events', events: this.buffer.slice(start).map((e) => e.event) };
  }

  private prune(now: number): void {
    while (this.buffer.length - this.head > this.size) this.head++;
    while (this.head < this.buffer.length && now - this.buffer[this.head].at > this.maxAgeMs) this.head++;
    if (this.head > 1024 && this.head * 2 > this.buffer.length) {
      this.buffer = this.buffer.slice(this.head);
      this.head = 0;
    }
  }
}

/**
 * What the events of one `publish` share: everything but their `seq` (the same payload, cid
 * and creation time objects). A sink may cache work on it (the hub keeps the shared part's
 * encoding there), valid for that one publish only.
 */
export interface PublishBatch {
  /** The fields an event of this publish shares with the others, and their encoding, once a sink encoded them. */
  encoded?: { createdAt: Event['createdAt']; callCid: string; payload: EventPayload; bytes: Uint8Array };
}

/** Receives each event as it is numbered, with the batch of its `publish` call. */
export type EventSink = (userId: string, event: Event, batch: PublishBatch) => void;

/**
 * The coordinator's event publisher: numbers each user's events and keeps them for replay,
 * then hands them to the sinks (the WebSocket hub delivers them to connected sockets).
 */
export class EventLogs implements EventPublisher {
  /**
   * The epoch of every user's sequence numbers: a random id of this server start. A client
   * that resumes with another epoch is told to re-sync (the numbering restarted).
   */
  readonly epoch = randomUUID();
  private readonly logs = new Map<string, UserEventLog>();
  private readonly sinks = new Set<EventSink>();
  private readonly size: number;
  private readonly maxAgeMs: number;
  /** Events published in all, for every user. */
  published = 0;

  constructor(
    options: ReplayBufferOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.size = options.size ?? 1000;
    this.maxAgeMs = options.maxAgeMs ?? 5 * 60_000;
    if (!(this.size >= 1) || !(this.maxAgeMs > 0)) throw new RangeError('EventLogs: size and maxAgeMs must be positive');
  }

  /** The log of `userId`, created on first use. */
  log(userId: string): UserEventLog {
    let log = this.logs.get(userId);
    if (!log) this.logs.set(userId, (log = new UserEventLog(this.size, this.maxAgeMs)));
    return log;
  }

  publish(userIds: Iterable<string>, callCid: string, payload: EventPayload): void {
    const now = this.now();
    const createdAt = toTimestamp(now);
    const batch: PublishBatch = {};
    for (const userId of new Set(userIds)) {
      const event = this.log(userId).append(callCid, payload, now, createdAt);
      this.published++;
      for (const sink of this.sinks) sink(userId, event, batch);
    }
  }

  /** Adds a sink; returns the function that removes it. */
  subscribe(sink: EventSink): () => void {
    this.sinks.add(sink);
    return () => this.sinks.delete(sink);
  }
}
