import type { Edge } from '../../gen/stream/video/coordinator/v1/models';

/** Round-trip times to each reachable edge, in seconds, as `GetCallEdgeServer` takes them. */
export type LatencyMeasurements = Record<string, { measurementsSeconds: number[] }>;

/**
 * Measures the latency to each edge in parallel: `samples` requests to its latency URL, all
 * bounded by `timeoutMs` and stopped early by `signal`. An edge that fails or does not answer
 * in time is left out.
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
      const times = results[i]!;
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
      await res.arrayBuffer();
      if (!res.ok) break;
    } catch {
      break;
    }
    times.push((performance.now() - start) / 1000);
  }
  return times;
}
