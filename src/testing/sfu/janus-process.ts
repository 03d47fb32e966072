import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import WebSocket from 'ws';
import { findJanusLibraryFolder, writeJanusConfig } from './janus-config';
import { JanusError } from './janus-error';
import type { JanusExit } from './local-sfu';
import type { ResolvedJanusOptions } from './sfu-options';

/** How long a stopped Janus gets to exit after SIGTERM before SIGKILL, in ms (it takes ~110 ms). */
const STOP_GRACE_MS = 3000;
/** Lines of Janus's output kept for error messages. */
const OUTPUT_LINES = 60;
/** Attempts at starting (each on a new free port: another program may take the one picked). */
const START_ATTEMPTS = 3;

/** The full path of `program` (as is when it holds a `/`), or undefined when it is not found. */
export function findExecutable(program: string): string | undefined {
  const candidates = program.includes('/') ? [program] : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, program));
  for (const path of candidates) {
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      // not there, or not executable
    }
  }
  return undefined;
}

/** A free TCP port on 127.0.0.1 (free now: the caller races anyone else for it). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (address && typeof address === 'object' ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/**
 * One Janus Gateway process of the local coordinator's own: its configuration generated in a
 * temporary folder (VideoRoom plugin only, WebSocket API on 127.0.0.1 on a free port), started,
 * and waited for until its API answers. {@link JanusProcess.stop} ends it (SIGTERM, then
 * SIGKILL) and removes the folder; `onExit` tells of an exit nobody asked for (a crash).
 *
 * ```ts
 * const janus = await JanusProcess.start(resolveSfuOptions('janus'), (exit) => console.log('janus died', exit));
 * console.log(janus.apiUrl, janus.pid);
 * await janus.stop();
 * ```
 */
export class JanusProcess {
  private stopping: Promise<void> | undefined;
  private exit: JanusExit | undefined;
  private readonly exited: Promise<JanusExit>;
  private readonly killOnExit = () => this.child.kill('SIGKILL');

  private constructor(
    private readonly child: ChildProcess,
    /** `ws://127.0.0.1:PORT`, Janus's WebSocket API. */
    readonly apiUrl: string,
    private readonly folder: string,
    private readonly output: string[],
    onExit: (exit: JanusExit) => void,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        process.off('exit', this.killOnExit);
        rmSync(this.folder, { recursive: true, force: true });
        this.exit = { code, signal, expected: this.stopping !== undefined };
        resolve(this.exit);
        if (!this.exit.expected) onExit(this.exit);
      });
    });
    // A coordinator that exits without closing (a failed test run) leaves no Janus behind.
    process.on('exit', this.killOnExit);
  }

  /** The process id. */
  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Whether the process still runs. */
  get running(): boolean {
    return this.exit === undefined;
  }

  /** What Janus printed last (for diagnostics). */
  get recentOutput(): string {
    return this.output.join('\n');
  }

  /**
   * Starts Janus and resolves once its WebSocket API answers.
   * @param onExit called once if the process ends without {@link JanusProcess.stop}.
   * @throws JanusError `not_installed`, `start_failed` or `start_timeout`.
   */
  static async start(options: ResolvedJanusOptions, onExit: (exit: JanusExit) => void): Promise<JanusProcess> {
    const executable = findExecutable(options.executable);
    if (!executable) {
      throw new JanusError(
        'not_installed',
        `the SFU needs Janus Gateway, and "${options.executable}" is not installed: install Debian's package "janus" (apt-get install janus)`,
      );
    }
    const libraryFolder = options.libraryFolder ?? findJanusLibraryFolder();
    if (!libraryFolder) {
      throw new JanusError(
        'not_installed',
        'Janus Gateway\'s VideoRoom plugin (libjanus_videoroom.so) was not found: install Debian\'s package "janus" (apt-get install janus), or set sfu.libraryFolder',
      );
    }
    let last: unknown;
    for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
      try {
        return await JanusProcess.startOnce(executable, libraryFolder, options, onExit);
      } catch (err) {
        last = err;
        if (!(err instanceof JanusError) || err.code !== 'start_failed') throw err;
      }
    }
    throw last;
  }

  private static async startOnce(
    executable: string,
    libraryFolder: string,
    options: ResolvedJanusOptions,
    onExit: (exit: JanusExit) => void,
  ): Promise<JanusProcess> {
    const folder = mkdtempSync(join(tmpdir(), 'stream-video-janus-'));
    const port = await freePort();
    writeJanusConfig({ folder, libraryFolder, wsPort: port, iceInterface: options.iceInterface });
    const output: string[] = [];
    const child = spawn(executable, ['-F', folder, '-C', join(folder, 'janus.jcfg'), '-o'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) output.push(line);
      if (output.length > OUTPUT_LINES) output.splice(0, output.length - OUTPUT_LINES);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    try {
      await spawned;
    } catch (err) {
      rmSync(folder, { recursive: true, force: true });
      throw new JanusError('start_failed', `could not run ${executable}`, { cause: err });
    }
    let started = false;
    const janus = new JanusProcess(child, `ws://127.0.0.1:${port}`, folder, output, (exit) => {
      if (started) onExit(exit);
    });
    try {
      await janus.untilAnswers(options.startTimeoutMs);
      started = true;
      return janus;
    } catch (err) {
      await janus.stop();
      throw err;
    }
  }

  /** Resolves once the API answers a WebSocket handshake; rejects when the process exits first or time runs out. */
  private async untilAnswers(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.exit) {
        throw new JanusError('start_failed', `Janus exited while starting (code ${this.exit.code}, signal ${this.exit.signal})`, { output: this.recentOutput });
      }
      if (await this.probe()) return;
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    throw new JanusError('start_timeout', `Janus did not answer on ${this.apiUrl} within ${timeoutMs} ms`, { output: this.recentOutput });
  }

  /** Whether the WebSocket API accepts a connection now. */
  private probe(): Promise<boolean> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.apiUrl, 'janus-protocol', { handshakeTimeout: 1000 });
      ws.once('open', () => {
        ws.close();
        resolve(true);
      });
      ws.once('error', () => resolve(false));
    });
  }

  /** Ends the process (SIGTERM, then SIGKILL after a grace period) and removes its folder. Idempotent. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.exit) return;
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), STOP_GRACE_MS);
      await this.exited;
      clearTimeout(timer);
    })();
    return this.stopping;
  }

  /** Resolves when the process has exited, however it ended. */
  whenExited(): Promise<JanusExit> {
    return this.exited;
  }
}
