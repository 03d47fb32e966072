/**
 * Runs the benchmarks one after the other, prints ONE table (figure, value, goal, holds) and
 * writes bench/results.json and the README's benchmark table (its `bench` block, rendered
 * from results.json by bench/readme.ts). Everything runs on 127.0.0.1, bounded in count and time.
 *
 *   npm run bench                      # all of them (a few minutes on 2 cores)
 *   npm run bench -- receive-path rpc  # some of them; results.json and README.md are left alone
 *
 * Progress goes to stderr, the table to stdout. Run with `--expose-gc` (the npm script does)
 * for the heap figure and a GC before each sample.
 */
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { writeReadmeBlock } from '../scripts/readme-blocks';
import { renderBenchBlock } from './readme';
import { fmt, now, type Row } from './stats';

type Bench = { name: string; load: () => Promise<{ run: (log: (line: string) => void) => Promise<Row[]> }> };

const BENCHES: Bench[] = [
  { name: 'receive-path', load: () => import('./receive-path') },
  { name: 'rpc', load: () => import('./rpc') },
  { name: 'large-calls', load: () => import('./large-calls') },
  { name: 'resume', load: () => import('./resume') },
  { name: 'fanout', load: () => import('./fanout') },
  { name: 'bundle-size', load: () => import('./bundle-size') },
  { name: 'journeys', load: () => import('./journeys') },
  { name: 'sfu', load: () => import('./sfu') },
];

/** Bound of the whole run: a hung step fails the run instead of hanging it. */
const RUN_LIMIT_MS = 10 * 60_000;

const log = (line: string) => process.stderr.write(`${line}\n`);

function table(rows: Row[]): string {
  const header = ['figure', 'value', 'goal', 'holds'];
  const cells = rows.map((r) => [r.figure, r.value, r.goal, r.holds === null ? '—' : r.holds ? 'yes' : 'NO']);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) => `| ${c.map((x, i) => x.padEnd(widths[i])).join(' | ')} |`;
  return [line(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.map(line)].join('\n');
}

async function main(): Promise<number> {
  const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const unknown = wanted.filter((w) => !BENCHES.some((b) => b.name === w));
  if (unknown.length > 0) {
    log(`unknown benchmark(s): ${unknown.join(', ')}; known: ${BENCHES.map((b) => b.name).join(', ')}`);
    return 2;
  }
  const selected = wanted.length === 0 ? BENCHES : BENCHES.filter((b) => wanted.includes(b.name));
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function')
    log('note: run with --expose-gc (npm run bench does) for the heap figure and a GC before each sample');

  const started = now();
  const rows: Row[] = [];
  const timings: Record<string, number> = {};
  let crashed = false;
  for (const bench of selected) {
    log(`== ${bench.name}`);
    const t0 = now();
    try {
      const mod = await bench.load();
      rows.push(...(await mod.run(log)));
    } catch (err) {
      crashed = true;
      log(`${bench.name} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      rows.push({ figure: `${bench.name}: failed`, value: err instanceof Error ? err.message : String(err), goal: 'runs', holds: false });
    }
    timings[bench.name] = (now() - t0) / 1000;
    log(`   ${bench.name} took ${fmt(timings[bench.name], 1)} s`);
  }
  const seconds = (now() - started) / 1000;

  process.stdout.write(
    `\n${table(rows)}\n\nwhole run: ${fmt(seconds, 1)} s on ${cpus().length} cores (load average ${loadavg()
      .map((l) => fmt(l, 2))
      .join(' ')})\n`,
  );
  if (wanted.length === 0) {
    const file = resolve(import.meta.dirname, 'results.json');
    const results = {
      date: new Date().toISOString(),
      node: process.version,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? '',
      loadAverage: loadavg(),
      exposeGc: typeof (globalThis as { gc?: unknown }).gc === 'function',
      seconds,
      benchSeconds: timings,
      rows,
    };
    writeFileSync(file, `${JSON.stringify(results, (_k, v) => (typeof v === 'bigint' ? String(v) : v), 2)}\n`);
    log(`wrote ${file}`);
    if (writeReadmeBlock('bench', renderBenchBlock(results))) log('rewrote the benchmark table in README.md');
  }
  return crashed ? 1 : 0;
}

const limit = setTimeout(() => {
  log(`the benchmark run exceeded ${RUN_LIMIT_MS / 60_000} minutes: stopping`);
  process.exit(3);
}, RUN_LIMIT_MS);
limit.unref();

main().then(
  (code) => {
    clearTimeout(limit);
    // Every benchmark closes what it opened; exit anyway so that nothing left over keeps the run alive.
    process.exit(code);
  },
  (err) => {
    log(String(err instanceof Error ? err.stack : err));
    process.exit(1);
  },
);
