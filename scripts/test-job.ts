/**
 * One job of the test runner (scripts/run-tests.ts): a test file in a process of its own, or a
 * batch of files in one process (scripts/test-batch.ts), and what each file's run gave, read
 * from uvu's totals in its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MARK, TEST_BATCH_SCRIPT } from './test-batch';

/** Where jobs run: the repository, the run's shared folder, and the processes running now (for the run's bound and its stop). */
export interface JobPlace {
  root: string;
  runDir: string;
  running: Set<ChildProcess>;
}

/** What one file's run gave. */
export interface FileResult {
  file: string;
  passed: number;
  failed: number;
  skipped: number;
  seconds: number;
  output: string;
  /** Why the file counts as failed beyond its own totals, if it does. */
  problem?: string;
}

function total(output: string, label: string): number | undefined {
  const match = new RegExp(`^\\s*${label}:\\s+(\\d+)`, 'm').exec(output);
  return match ? Number(match[1]) : undefined;
}

/** Kills a worker's whole process group (it may have started a browser or a server). */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}

/** A worker's unit of work: one file in a process of its own, or a batch of files in one process. */
export interface Job {
  files: string[];
  alone: boolean;
  seconds: number;
}

/** Reads a file's result from its output (uvu's totals), its exit and its seconds. */
function result(file: string, text: string, seconds: number, exit: { code: number | null; signal: NodeJS.Signals | null } | 'ended'): FileResult {
  const all = total(text, 'Total');
  const passed = total(text, 'Passed') ?? 0;
  const skipped = total(text, 'Skipped') ?? 0;
  let failed = (all ?? 0) - passed;
  let problem: string | undefined;
  if (all === undefined) problem = exit === 'ended' ? 'printed no uvu totals' : `printed no uvu totals (exit ${exit.signal ?? exit.code})`;
  else if (exit !== 'ended' && exit.code !== 0 && failed === 0) problem = `exited with ${exit.signal ?? exit.code} after its tests`;
  if (problem && failed === 0) failed = 1;
  return { file, passed, failed, skipped, seconds, output: text, problem };
}

/**
 * Runs a job's files in one process and calls `onResult` as each file ends: a file alone with
 * `node --import tsx <file>`, a batch with {@link TEST_BATCH_SCRIPT}, whose output is split by
 * its {@link MARK} lines. Files of a batch that never ended (the process crashed or was killed)
 * each count as one failure.
 */
export function runJob(job: Job, where: JobPlace, onResult: (r: FileResult) => void): Promise<void> {
  const started = performance.now();
  const args = job.alone ? [join('test', job.files[0])] : [TEST_BATCH_SCRIPT, ...job.files];
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: where.root,
    env: { ...process.env, NO_COLOR: '1', TEST_RUN_DIR: where.runDir },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  where.running.add(child);
  // A batch's output belongs to the file between its start and end lines; stderr goes to the
  // file running when it arrives (both pipes are written synchronously on Linux).
  let output: string[] = [];
  let current: string | undefined = job.alone ? job.files[0] : undefined;
  let pending = '';
  const ended = new Set<string>();
  const onStdout = (chunk: string) => {
    if (job.alone) return void output.push(chunk);
    pending += chunk;
    let nl: number;
    while ((nl = pending.indexOf('\n')) >= 0) {
      const line = pending.slice(0, nl + 1);
      pending = pending.slice(nl + 1);
      const mark = line.startsWith(MARK) ? line.slice(MARK.length).trim().split(' ') : undefined;
      if (mark?.[0] === 'start') {
        current = mark[1];
        output = [];
      } else if (mark?.[0] === 'end' && mark[1] === current) {
        ended.add(current);
        onResult(result(current, output.join(''), Number(mark[2]), 'ended'));
        current = undefined;
        output = [];
      } else output.push(line);
    }
  };
  child.stdout.setEncoding('utf8').on('data', onStdout);
  child.stderr.setEncoding('utf8').on('data', (s: string) => output.push(s));
  // The worker is done: whatever it left behind in its group (which would also hold its
  // output pipes open) goes with it.
  child.on('exit', () => killGroup(child, 'SIGKILL'));
  return new Promise((done) => {
    child.on('close', (code, signal) => {
      where.running.delete(child);
      const seconds = (performance.now() - started) / 1000;
      if (job.alone) {
        onResult(result(job.files[0], output.join('') + pending, seconds, { code, signal }));
        return done();
      }
      for (const file of job.files) {
        if (ended.has(file)) continue;
        const text = file === current ? output.join('') + pending : '';
        const r = result(file, text, file === current ? seconds : 0, { code, signal });
        if (file !== current) r.problem = `never ran: its batch's process exited with ${signal ?? code} before it`;
        else r.problem ??= `did not end: its batch's process exited with ${signal ?? code}`;
        r.failed = Math.max(r.failed, 1);
        onResult(r);
      }
      done();
    });
  });
}

/** The file's output without uvu's closing totals (the runner sums them), headed by its counts and times (`runStarted`: the run's `performance.now()`). */
export function report(r: FileResult, runStarted: number): string {
  const body = r.output
    .replace(/^\s*(Total|Passed|Skipped|Duration):.*$/gm, '')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd();
  const head = `── test/${r.file}: ${r.passed} passed, ${r.failed} failed${r.skipped ? `, ${r.skipped} skipped` : ''} (${r.seconds.toFixed(1)} s, ended ${((performance.now() - runStarted) / 1000).toFixed(0)} s into the run)`;
  return [head, body, r.problem ? `  ✘ test/${r.file} ${r.problem}` : ''].filter(Boolean).join('\n') + '\n';
}
