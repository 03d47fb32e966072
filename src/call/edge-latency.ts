import type { Edge } from '../../gen/stream/video/coordinator/v1/models';

/** Round-trip times to each reachable edge, in seconds, as `JoinCall` takes them. */
export type LatencyMeasurements = Record<string, { measurementsSeconds: number[] }>;

/** Options of {@link EdgeLatency}. */
export interface EdgeLatencyOptions {
  /** Bound of one measurement round, all edges together, in ms. */
  timeoutMs: number;
  /** Measurements older than this are taken again (in the background) when a join asks, in ms. */
  ttlMs: number;
  /** Ends every measurement (the session ended). */
  signal: AbortSignal;
  /** Requests per edge in one round (default 2). */
  samples?: number;
}

/**
 * The latency to each edge server, measured in the background, off the critical path of a
 * join: when the connection brings the edges, again once the measurements are older than
 * `ttlMs` or the network changed. A join sends what is known then; before the first round
 * ends it sends nothing and the server picks.
 *
 * ```ts
 * const latency = new EdgeLatency({ timeoutMs: 1500, ttlMs: 300_000, signal });
 * latency.update(connectionOk.edges);
 * await coordinator.joinCall({ type, id, sessionId, latencyMeasurements: latency.current() });
 * ```
 */
export class EdgeLatency {
  private edges: readonly Edge[] = [];
  private measured: LatencyMeasurements = {};
  private measuredAt = 0;
  private running: Promise<void> | undefined;

  constructor(private readonly options: EdgeLatencyOptions) {}

  /** Takes the edges the server offers; measures them when they changed or the last round is stale. */
  update(edges: readonly Edge[]): void {
    const changed = edges.length !== this.edges.length || edges.some((e, i) => e.name !== this.edges[i]?.name || e.latencyUrl !== this.edges[i]?.latencyUrl);
    if (changed) {
      this.edges = edges;
      this.measured = {};
      this.measuredAt = 0;
    }
    if (changed || this.stale()) void this.measure();
  }

  /** The network changed: what was measured no longer holds. */
  invalidate(): void {
    this.measuredAt = 0;
    void this.measure();
  }

  /** The latest measurements (`{}` before the first round ends); starts a new round when they are stale. */
  current(): LatencyMeasurements {
    if (this.stale()) void this.measure();
    return this.measured;
  }

  /** The latest measurements, without starting a round. */
  get latest(): LatencyMeasurements {
    return this.measured;
  }

  private stale(): boolean {
    return this.edges.length > 0 && Date.now() - this.measuredAt > this.options.ttlMs;
  }

  private measure(): Promise<void> {
    if (this.running || this.edges.length === 0 || this.options.signal.aborted) return this.running ?? Promise.resolve();
    const edges = this.edges;
    // Started on a later task: fetch does much of its work when called, and a round started
    // from a connect or a join must not delay its answer.
    const later = new Promise<void>((resolve) => setTimeout(resolve, 0));
    this.running = later
      .then(() => measureEdges(edges, this.options.timeoutMs, this.options.signal, this.options.samples))
      .then((result) => {
        this.running = undefined;
        if (edges !== this.edges || this.options.signal.aborted) return;
        this.measured = result;
        this.measuredAt = Date.now();
      });
    return this.running;
  }
}

/**
 * Measures the latency to each edge in parallel: `samples` requests to its latency URL, all
 * bounded by `timeoutMs` and stopped early by `signal`. The time is taken to the answer's
 * headers and the body is never read (a hostile edge cannot make the client buffer it). An
 * edge that fails or does not answer in time is left out.
 */
export async function measureEdges(edges: readonly Edge[], timeoutMs: number, signal?: AbortSignal, samples = 2): Promise<LatencyMeasurements> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), timeoutMs);
  const stop = () => controller.abort();
  signal?.addEventListener('abort', stop);
  if (signal?.aborted) stop();
  try {
    const results = await Promise.all(edges.map((edge) => measureOne(edge, samples, controller.signal)));
    const out: LatencyMeasurements = {};
    edges.forEach((edge, i) => {
      const times = results[i];
      if (times.length > 0) out[edge.name] = { measurementsSeconds: times };
    });
    return out;
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', stop);
  }
}

async function measureOne(edge: Edge, samples: number, signal: AbortSignal): Promise<number[]> {
  const times: number[] = [];
  for (let i = 0; i < samples && !signal.aborted; i++) {
    const start = performance.now();
    try {
      const res = await fetch(edge.latencyUrl, { cache: 'no-store', signal });
      const elapsed = (performance.now() - start) / 1000;
      await res.body?.cancel().catch(() => {});
      if (!res.ok) break;
      times.push(elapsed);
    } catch {
      break;
    }
  }
  return times;
}
