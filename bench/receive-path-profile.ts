/**
 * A CPU profile of the receive path (bench/receive-path.ts), to see where each event's time
 * goes: runs bursts of N events to the SDK or the lean client under the inspector's sampling
 * profiler (the coordinator is in its child process, out of the profile) and prints the
 * self time by part: decoding (the generated code and protobuf-ts), the SDK's own code by
 * folder, nanostores, `ws`, garbage collection, the rest.
 *
 *   npx tsx --expose-gc bench/receive-path-profile.ts [sdk|lean] [--bursts 10] [--top 25] [--out file.cpuprofile]
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { N, startReceivePath } from './receive-path';
import { fmt } from './stats';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** The part of the receive path a profile node belongs to, by its script. */
function part(url: string, fn: string): string {
  if (fn === '(garbage collector)') return 'garbage collection';
  if (fn === '(idle)' || fn === '(program)') return fn;
  if (/\/gen\//.test(url) || /@protobuf-ts\/runtime\//.test(url)) return 'decode (generated code + protobuf-ts runtime)';
  const src = /\/src\/([^/]+)\//.exec(url);
  if (src) return `SDK src/${src[1]}/`;
  if (/\/src\/[^/]+\.ts$/.test(url)) return 'SDK src/ (top level)';
  const pkg = /node_modules\/((@[^/]+\/)?[^/]+)\//.exec(url);
  if (pkg) return pkg[1];
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/bench/')) return 'bench (listener)';
  return fn.startsWith('(') ? fn : 'native / other';
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const who = args.includes('lean') ? 'lean' : 'sdk';
  const opt = (name: string, dflt: number) => {
    const i = args.indexOf(name);
    return i >= 0 ? Number(args[i + 1]) : dflt;
  };
  const bursts = opt('--bursts', 10);
  const top = opt('--top', 25);
  const outIndex = args.indexOf('--out');
  const path = await startReceivePath();
  const session = new Session();
  session.connect();
  try {
    for (let i = 0; i < 3; i++) await path[who].burst(N); // warm-up
    (globalThis as { gc?: () => void }).gc?.();
    await session.post('Profiler.enable');
    await session.post('Profiler.setSamplingInterval', { interval: 100 });
    await session.post('Profiler.start');
    let micros = 0;
    for (let i = 0; i < bursts; i++) micros += await path[who].burst(N);
    const { profile } = (await session.post('Profiler.stop')) as unknown as { profile: Profile };
    if (outIndex >= 0) writeFileSync(args[outIndex + 1], JSON.stringify(profile));

    const byId = new Map(profile.nodes.map((n) => [n.id, n]));
    const parts = new Map<string, number>();
    const fns = new Map<string, number>();
    let total = 0;
    profile.samples.forEach((id, i) => {
      const node = byId.get(id)!;
      const dt = profile.timeDeltas[i] ?? 0;
      const { functionName, url, lineNumber } = node.callFrame;
      if (functionName === '(idle)') return;
      total += dt;
      const p = part(url, functionName);
      parts.set(p, (parts.get(p) ?? 0) + dt);
      const f = `${functionName || '(anonymous)'} ${url.replace(/^.*?\/(src|gen|bench|node_modules)\//, '$1/')}:${lineNumber + 1}`;
      fns.set(f, (fns.get(f) ?? 0) + dt);
    });
    const lines = (m: Map<string, number>, k: number) =>
      [...m]
        .sort((a, b) => b[1] - a[1])
        .slice(0, k)
        .map(([name, t]) => `  ${fmt((t / total) * 100, 1).padStart(5)}%  ${name}`)
        .join('\n');
    process.stdout.write(
      `${who}: ${fmt(micros / (bursts * N), 2)} µs CPU per event (process.cpuUsage over ${bursts} bursts of ${N}); profile: ${fmt(total / 1000, 0)} ms sampled, not idle\n`,
    );
    process.stdout.write(`by part:\n${lines(parts, 20)}\nby function (self time):\n${lines(fns, top)}\n`);
  } finally {
    session.disconnect();
    await path.close();
  }
}

void main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
