/**
 * The README's benchmark table (its `bench` block), rendered from bench/results.json:
 * `npm run bench` writes both from one run, and the package test checks that the README's
 * block is exactly this rendering of the committed results.json.
 */
import type { Row } from './stats';

/** What bench/run.ts writes to results.json (the part the README shows). */
export interface BenchResults {
  /** When the run ended, ISO 8601. */
  date: string;
  /** Node's version. */
  node: string;
  /** Number of cores. */
  cpus: number;
  /** Load average at the end of the run (1, 5, 15 minutes). */
  loadAverage: number[];
  /** Duration of the whole run, in seconds. */
  seconds: number;
  /** Every row of the printed table. */
  rows: Row[];
}

/** The README's `bench` block: the rows meant for it, then where and when they were measured. */
export function renderBenchBlock(results: BenchResults): string {
  const rows = results.rows.filter((r) => r.readme !== false);
  const cell = (s: string) => s.replace(/\|/g, '\\|');
  return [
    '| figure | value | goal | holds |',
    '| :--- | :--- | :--- | :---: |',
    ...rows.map((r) => `| ${cell(r.figure)} | ${cell(r.value)} | ${cell(r.goal)} | ${r.holds === null ? '—' : r.holds ? 'yes' : 'NO'} |`),
    '',
    `Latest run: ${results.seconds.toFixed(1)} s on ${results.cpus} cores (load average ${results.loadAverage.map((l) => l.toFixed(2)).join(' ')}), Node ${results.node}, ${results.date.slice(0, 10)}.`,
  ].join('\n');
}
