/**
 * One job of the test runner (scripts/run-tests.ts): a test file in a process of its own, or a
 * file run by a host (scripts/test-host.ts, a process that runs files one after another as they
 * are sent to it), and what each file's run gave, read from uvu's totals in its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { MARK, TEST_HOST_SCRIPT } from './test-host';

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

/** A worker's unit of work: one file, in a process of its own (`alone`) or in a {@link TestHost}. */
export interface Job {
  file: string;
  alone: boolean;
  /** Expected seconds (the order of the run). */
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

/** Starts `node --import tsx <args>` in the repository, in a process group of its own, counted as running. */
function start(args: string[], where: JobPlace, stdin: 'ignore' | 'pipe'): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: where.root,
    env: { ...process.env, NO_COLOR: '1', TEST_RUN_DIR: where.runDir },
    stdio: [stdin, 'pipe', 'pipe'],
    detached: true,
  });
  where.running.add(child);
  // The process is done: whatever it left behind in its group (which would also hold its
  // output pipes open) goes with it.
  child.on('exit', () => killGroup(child, 'SIGKILL'));
  child.on('close', () => where.running.delete(child));
  return child;
}

/** Runs `file` in a process of its own, `node --import tsx test/<file>`, as a user runs it. */
export function runAlone(file: string, where: JobPlace): Promise<FileResult> {
  const started = performance.now();
  const child = start([join('test', file)], where, 'ignore');
  const output: string[] = [];
  child.stdout!.setEncoding('utf8').on('data', (s: string) => output.push(s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => output.push(s));
  return new Promise((done) => {
    child.on('close', (code, signal) => done(result(file, output.join(''), (performance.now() - started) / 1000, { code, signal })));
  });
}

/**
 * A process that runs files one after another ({@link TEST_HOST_SCRIPT}): {@link run} sends it
 * a file's name and resolves with the file's result when its end line ({@link MARK}) arrives, or
 * when the process exits before it (the file then counts as failed, and the host is no longer
 * {@link alive}). The output between a file's start and end lines is the file's; stderr goes to
 * the file running when it arrives (both pipes are written synchronously on Linux).
 *
 * ```ts
 * const host = new TestHost(place);
 * const r = await host.run('ws/auth.test.ts');
 * await host.close();
 * ```
 */
export class TestHost {
  private readonly child: ChildProcess;
  private output: string[] = [];
  private partial = '';
  private current?: { file: string; started: number; done: (r: FileResult) => void };
  private exited = false;

  constructor(where: JobPlace) {
    this.child = start([TEST_HOST_SCRIPT], where, 'pipe');
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => this.read(chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (s: string) => this.output.push(s));
    // A host whose stdin is gone (it exited) must not take the runner down with EPIPE.
    this.child.stdin!.on('error', () => undefined);
    this.child.on('close', (code, signal) => {
      this.exited = true;
      const running = this.current;
      if (!running) return;
      this.current = undefined;
      const r = result(running.file, this.output.join('') + this.partial, (performance.now() - running.started) / 1000, { code, signal });
      r.problem ??= `did not end: its host process exited with ${signal ?? code}`;
      r.failed = Math.max(r.failed, 1);
      running.done(r);
    });
  }

  /** Whether the host can run another file. */
  get alive(): boolean {
    return !this.exited;
  }

  /** Runs `file` (a path under test/) in this host; one file at a time. */
  run(file: string): Promise<FileResult> {
    if (this.current) throw new Error(`test host is still running test/${this.current.file}`);
    if (this.exited) throw new Error('test host has exited');
    return new Promise((done) => {
      this.current = { file, started: performance.now(), done };
      this.child.stdin!.write(`${file}\n`);
    });
  }

  /** Ends the host's stdin (it exits after its file); resolves once it has exited. */
  close(): Promise<void> {
    if (this.exited) return Promise.resolve();
    return new Promise((done) => {
      this.child.once('close', () => done());
      this.child.stdin!.end();
    });
  }

  private read(chunk: string): void {
    this.partial += chunk;
    let nl: number;
    while ((nl = this.partial.indexOf('\n')) >= 0) {
      const line = this.partial.slice(0, nl + 1);
      this.partial = this.partial.slice(nl + 1);
      const mark = line.startsWith(MARK) ? line.slice(MARK.length).trim().split(' ') : undefined;
      if (mark?.[0] === 'start') this.output = [];
      else if (mark?.[0] === 'end' && this.current && mark[1] === this.current.file) {
        const running = this.current;
        this.current = undefined;
        const text = this.output.join('');
        this.output = [];
        running.done(result(running.file, text, Number(mark[2]), 'ended'));
      } else this.output.push(line);
    }
  }
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
