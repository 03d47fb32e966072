import { JanusApi } from './janus-api';
import { JanusError } from './janus-error';
import { JanusProcess } from './janus-process';
import type { JanusExit, JanusStatus, LocalSfu } from './local-sfu';
import type { ResolvedJanusOptions } from './sfu-options';

/** A running Janus: the process and the API session the coordinator drives it with. */
interface Running {
  readonly process: JanusProcess;
  readonly api: JanusApi;
  /** 1 for the first Janus, then one more per restart: rooms of an older one are gone. */
  readonly generation: number;
}

/**
 * The local coordinator's Janus Gateway: a {@link JanusProcess} of its own and a
 * {@link JanusApi} session to it. It notices when Janus stops without being asked (the
 * process exits, or the API connection drops): the status becomes `down`, every listener is
 * told, and every request in flight fails with `stopped`. {@link JanusServer.restart} starts a
 * new Janus (a new generation: rooms of the old one are gone); {@link JanusServer.close}
 * stops it for good, leaving no process behind.
 *
 * ```ts
 * const janus = await JanusServer.start(resolveSfuOptions('janus'));
 * janus.onStatus((status) => console.log('janus is', status));
 * const handle = await janus.api().attach();
 * await janus.close();
 * ```
 */
export class JanusServer implements LocalSfu {
  private current: Running | undefined;
  private state: JanusStatus = 'running';
  private generations = 0;
  private readonly listeners = new Set<(status: JanusStatus, generation: number) => void>();
  private starting: Promise<void> | undefined;
  private lastExit: JanusExit | undefined;

  private constructor(readonly options: ResolvedJanusOptions) {}

  /**
   * Starts Janus and connects to it.
   * @throws JanusError `not_installed`, `start_failed`, `start_timeout`.
   */
  static async start(options: ResolvedJanusOptions): Promise<JanusServer> {
    const server = new JanusServer(options);
    await server.launch();
    return server;
  }

  /** `running`, `down` or `closed`. */
  get status(): JanusStatus {
    return this.state;
  }

  /** The generation of the Janus running now (1, then one more per restart); 0 when none runs. */
  get generation(): number {
    return this.state === 'running' && this.current ? this.current.generation : 0;
  }

  /** The process id of the Janus running now, or undefined (for tests that kill it). */
  get pid(): number | undefined {
    return this.state === 'running' ? this.current?.process.pid : undefined;
  }

  /** How the last Janus ended when it was not asked to (a crash), for diagnostics. */
  get lastUnexpectedExit(): JanusExit | undefined {
    return this.lastExit;
  }

  /** The API session of the Janus running now. @throws JanusError `stopped` when none runs. */
  api(): JanusApi {
    if (this.state !== 'running' || !this.current) throw new JanusError('stopped', `Janus is ${this.state}`);
    return this.current.api;
  }

  /** Calls `listener` with the new status and generation whenever it changes; returns a function that stops it. */
  onStatus(listener: (status: JanusStatus, generation: number) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Stops the Janus running now (if any) and starts a new one; resolves once it answers.
   * @throws JanusError when the new one cannot start (the status stays `down`).
   */
  restart(): Promise<void> {
    if (this.state === 'closed') return Promise.reject(new JanusError('stopped', 'the coordinator was closed'));
    this.starting ??= (async () => {
      try {
        const old = this.current;
        this.current = undefined;
        if (old) {
          if (this.state === 'running') this.setStatus('down', old.generation);
          await old.api.close();
          await old.process.stop();
        }
        await this.launch();
      } finally {
        this.starting = undefined;
      }
    })();
    return this.starting;
  }

  /** Stops Janus for good: resolves once its process has exited. Idempotent. */
  async close(): Promise<void> {
    await this.starting?.catch(() => {});
    if (this.state === 'closed') return;
    const generation = this.current?.generation ?? 0;
    this.state = 'closed';
    const current = this.current;
    this.current = undefined;
    if (current) {
      await current.api.close();
      await current.process.stop();
    }
    for (const listener of [...this.listeners]) listener('closed', generation);
    this.listeners.clear();
  }

  private async launch(): Promise<void> {
    const generation = ++this.generations;
    const slot: { running?: Running } = {};
    const lose = () => {
      // Only the Janus running now: a late notice from one already replaced changes nothing.
      const running = slot.running;
      if (!running || this.current !== running || this.state !== 'running') return;
      this.setStatus('down', generation);
      const { process, api } = running;
      void api.close();
      void process.stop();
    };
    const process = await JanusProcess.start(this.options, (exit) => {
      this.lastExit = exit;
      lose();
    });
    let api: JanusApi;
    try {
      api = await JanusApi.connect(process.apiUrl, this.options.requestTimeoutMs, lose);
    } catch (err) {
      await process.stop();
      throw err;
    }
    if (this.state === 'closed') {
      await api.close();
      await process.stop();
      throw new JanusError('stopped', 'the coordinator was closed while Janus started');
    }
    slot.running = { process, api, generation };
    this.current = slot.running;
    if (!process.running) {
      lose();
      throw new JanusError('start_failed', 'Janus exited while starting', { output: process.recentOutput });
    }
    this.setStatus('running', generation);
  }

  private setStatus(status: JanusStatus, generation: number): void {
    const changed = status !== this.state;
    this.state = status;
    if (changed || status === 'running') for (const listener of [...this.listeners]) listener(status, generation);
  }
}
