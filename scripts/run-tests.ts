/**
 * Runs the uvu test files under test/ in parallel worker processes, one process per file (each
 * file already runs alone with `npx tsx <file>`), the longest first, and closes with the line
 * `N passed, N failed` (`, N skipped` when some were).
 *
 * - Counts come from uvu's totals of each file (`Total`, `Passed`, `Skipped`; failed = Total -
 *   Passed). A file that exits non-zero with no failure counted (it crashed while loading, or
 *   uvu saw it exit early) counts as one failure; so does a file that printed no totals.
 * - Workers: `TEST_WORKERS`, default one more than the cores: the media files wait on
 *   browsers, Janus and fixed-length recordings part of their time. Measured on 2 cores, run
 *   back to back: 3 workers 217 s, 2 workers 239 s; on a machine busy with other work, 281 s
 *   and 276 s (the suite's processes use about 270-290 CPU-seconds). Each file's output is
 *   printed whole when it ends, so files never interleave.
 * - Order: the longest files first, from the durations of the last run
 *   (test-results/test-durations.json) or, from a clean clone, {@link EXPECTED_SECONDS}.
 * - The files of a run share a folder, `TEST_RUN_DIR`, removed at the end (the package
 *   tests pack the package once there).
 * - A bound on the whole run (`TEST_TIMEOUT_SECONDS`, default 600): files still running then
 *   are killed (their whole process group: browsers, SFUs) and each counts as one failure.
 *
 * ```sh
 * node --import tsx scripts/run-tests.ts            # every test/**\/*.test.ts
 * node --import tsx scripts/run-tests.ts 'browser/'  # files whose path under test/ matches
 * ```
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '..');
const TEST_DIR = join(ROOT, 'test');
const DURATIONS = join(ROOT, 'test-results', 'test-durations.json');
/** A folder the files of this run share (`TEST_RUN_DIR`: e.g. one package pack for the package tests), removed at the end. */
const RUN_DIR = mkdtempSync(join(tmpdir(), 'svc-test-run-'));

/**
 * Seconds a file takes in a run on this machine (2 cores, 2 workers; relative figures matter),
 * for the order of a run from a clean clone; measured durations replace them after the first run.
 * Files not listed count as {@link defaultSeconds}.
 */
const EXPECTED_SECONDS: Record<string, number> = {
  'package/consumer.test.ts': 72,
  'browser/media-rounds.test.ts': 61,
  'recording/sfu-recording.test.ts': 40,
  'browser/demo-media.test.ts': 34,
  'browser/sfu-call.test.ts': 30,
  'sfu/sfu-media.test.ts': 20,
  'browser/speaking.test.ts': 20,
  'browser/devices.test.ts': 19,
  'browser/media-mesh.test.ts': 16,
  'package/publish.test.ts': 13,
  'fuzz/twirp.test.ts': 13,
  'browser/react-example.test.ts': 12,
  'reliability/chaos.test.ts': 10,
  'reliability/load.test.ts': 9,
  'auth/token-manager.test.ts': 9,
  'media/media-session.test.ts': 7,
  'browser/demo-page.test.ts': 7,
  'fuzz/client-frames.test.ts': 6,
};

/** A file not measured yet: browser, SFU and recording tests are long, the rest short. */
function defaultSeconds(file: string): number {
  return /^(browser|sfu|recording)\//.test(file) ? 30 : 3;
}

/** What one file's run gave. */
interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  output: string;
  /** Why the file counts as failed beyond its own totals, if it does. */
  problem?: string;
}

function testFiles(pattern: RegExp): string[] {
  return readdirSync(TEST_DIR, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split('\\').join('/'))
    .filter((f) => f.endsWith('.test.ts') && pattern.test(f))
    .sort();
}

function readDurations(): Record<string, number> {
  if (!existsSync(DURATIONS)) return {};
  try {
    return JSON.parse(readFileSync(DURATIONS, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

function total(output: string, label: string): number | undefined {
  const match = new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(output);
  return match ? Number(match[1]) : undefined;
}

/** Kills a worker's whole process group (it may have started a browser or a server). */
function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

const running = new Map<string, { child: ChildProcess; started: number; output: string[] }>();

/** Runs one file in a process of its own and reads uvu's totals from its output. */
function runFile(file: string): Promise<FileResult> {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', join('test', file)], {
    cwd: ROOT,
    env: { ...process.env, NO_COLOR: '1', TEST_RUN_DIR: RUN_DIR },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  const output: string[] = [];
  running.set(file, { child, started, output });
  child.stdout.setEncoding('utf8').on('data', (s: string) => output.push(s));
  child.stderr.setEncoding('utf8').on('data', (s: string) => output.push(s));
  // The worker is done: whatever it left behind in its group (which would also hold its
  // output pipes open) goes with it.
  child.on('exit', () => killGroup(child, 'SIGKILL'));
  return new Promise((done) => {
    child.on('close', (code, signal) => {
      running.delete(file);
      const text = output.join('');
      const all = total(text, 'Total');
      const passed = total(text, 'Passed') ?? 0;
      const skipped = total(text, 'Skipped') ?? 0;
      let failed = (all ?? 0) - passed;
      let problem: string | undefined;
      if (all === undefined) problem = `printed no uvu totals (exit ${signal ?? code})`;
      else if (code !== 0 && failed === 0) problem = `exited with ${signal ?? code} after its tests`;
      if (problem && failed === 0) failed = 1;
      done({ file, passed, failed, skipped, seconds: (performance.now() - started) / 1000, output: text, problem });
    });
  });
}

/** The file's output without uvu's closing totals (the runner sums them). */
function report(r: FileResult): string {
  const body = r.output
    .replace(/^\s*(Total|Passed|Skipped|Duration):.*$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd();
  const head = `── test/${r.file}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''} (${r.seconds.toFixed(1)} s)`;
  return [head, body, r.problem ? `  ✘ test/${r.file} ${r.problem}` : ''].filter(Boolean).join('\n') + '\n';
}

async function main(): Promise<number> {
  const wall = performance.now();
  const pattern = new RegExp(process.argv[2] ?? '\\.test\\.ts$');
  const workers = Math.max(1, Number(process.env.TEST_WORKERS) || availableParallelism() + 1);
  const boundSeconds = Number(process.env.TEST_TIMEOUT_SECONDS) || 600;
  const measured = readDurations();
  const expected = (f: string) => measured[f] ?? EXPECTED_SECONDS[f] ?? defaultSeconds(f);
  const queue = testFiles(pattern).sort((a, b) => expected(b) - expected(a));
  if (queue.length === 0) {
    console.log(`no test file under test/ matches ${pattern}`);
    console.log('0 passed, 1 failed');
    return 1;
  }
  console.log(`${queue.length} test files, ${workers} workers`);

  const results: FileResult[] = [];
  let timedOut = false;
  const bound = setTimeout(() => {
    timedOut = true;
    for (const [file, { child }] of running) {
      killGroup(child, 'SIGTERM');
      setTimeout(() => running.get(file)?.child === child && killGroup(child, 'SIGKILL'), 10_000).unref();
    }
  }, boundSeconds * 1000);
  const stop = (signal: NodeJS.Signals) => {
    for (const { child } of running.values()) killGroup(child, 'SIGKILL');
    rmSync(RUN_DIR, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);

  const pending = [...queue];
  await Promise.all(
    Array.from({ length: Math.min(workers, queue.length) }, async () => {
      // Take the next file only while within the bound: the ones left are reported as never started.
      while (!timedOut && pending.length > 0) {
        const result = await runFile(pending.shift()!);
        if (timedOut && result.problem) result.problem = `was still running at the ${boundSeconds} s bound of the run (TEST_TIMEOUT_SECONDS)`;
        results.push(result);
        process.stdout.write(report(result));
      }
    }),
  );
  clearTimeout(bound);
  rmSync(RUN_DIR, { recursive: true, force: true });
  for (const file of pending) {
    const r: FileResult = { file, passed: 0, failed: 1, skipped: 0, seconds: 0, output: '', problem: `never started: the run hit its ${boundSeconds} s bound` };
    results.push(r);
    process.stdout.write(report(r));
  }

  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  const durations = { ...measured };
  for (const r of results) if (!r.problem) durations[r.file] = Math.round(r.seconds * 10) / 10;
  writeFileSync(DURATIONS, JSON.stringify(durations, null, 2) + '\n');

  const sum = (k: 'passed' | 'failed' | 'skipped') => results.reduce((n, r) => n + r[k], 0);
  const failedFiles = results.filter((r) => r.failed > 0).map((r) => `test/${r.file}`);
  const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 5);
  console.log(`\n${results.length} files in ${((performance.now() - wall) / 1000).toFixed(1)} s with ${workers} workers; slowest:`);
  for (const r of slowest) console.log(`  ${r.seconds.toFixed(1).padStart(6)} s  test/${r.file}`);
  if (failedFiles.length) console.log(`failed: ${failedFiles.join(' ')}`);
  const skipped = sum('skipped');
  console.log(`${sum('passed')} passed, ${sum('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return sum('failed') > 0 ? 1 : 0;
}

process.exitCode = await main();
