import type { Connection, Session } from 'janode';
import type { VideoRoomHandle } from 'janode/plugins/videoroom';
import { JanusError } from './janus-error';

type JanodeModule = typeof import('janode').default;
type VideoRoomModule = typeof import('janode/plugins/videoroom').default;

/** janode and its VideoRoom plugin, loaded on first use: only a coordinator with an SFU needs them. */
let janode: Promise<{ Janode: JanodeModule; VideoRoom: VideoRoomModule }> | undefined;

function loadJanode(): Promise<{ Janode: JanodeModule; VideoRoom: VideoRoomModule }> {
  janode ??= Promise.all([import('janode'), import('janode/plugins/videoroom')]).then(([core, videoroom]) => {
    // janode logs to the console at 'info' by default; the driver reports what matters itself.
    core.default.Logger.setLevel('none');
    return { Janode: core.default, VideoRoom: videoroom.default };
  });
  return janode;
}

/**
 * One janode connection and session to a Janus process's WebSocket API, with every request
 * bounded in time: a request Janus does not answer in `requestTimeoutMs` fails with
 * `request_timeout`, one it refuses with `request_failed` (its VideoRoom error code in
 * `janusCode`), and every request fails with `stopped` once the connection is lost. `onLost`
 * is called once when the connection or the session ends without {@link JanusApi.close}.
 *
 * ```ts
 * const api = await JanusApi.connect(janus.apiUrl, 10_000, () => console.log('lost Janus'));
 * const handle = await api.attach();
 * await api.request(handle.create({ room: 1, publishers: 16 }));
 * await api.close();
 * ```
 */
export class JanusApi {
  private lost = false;
  private closing = false;
  private readonly failLost: ((err: JanusError) => void)[] = [];

  private constructor(
    private readonly connection: Connection,
    private readonly session: Session,
    private readonly VideoRoom: VideoRoomModule,
    private readonly requestTimeoutMs: number,
  ) {}

  /**
   * Connects to `url` and creates a session.
   * @param onLost called once if the connection or the session ends without `close()`.
   * @throws JanusError `start_failed` when Janus cannot be reached.
   */
  static async connect(url: string, requestTimeoutMs: number, onLost: () => void): Promise<JanusApi> {
    const { Janode, VideoRoom } = await loadJanode();
    let connection: Connection;
    let session: Session;
    try {
      connection = await Janode.connect({ address: { url }, retry_time_secs: 1, max_retries: 0 });
    } catch (err) {
      throw new JanusError('start_failed', `could not connect to Janus at ${url}`, { cause: err });
    }
    try {
      session = await bounded(connection.create(), requestTimeoutMs, 'create a session');
    } catch (err) {
      await connection.close().catch(() => {});
      throw err;
    }
    const api = new JanusApi(connection, session, VideoRoom, requestTimeoutMs);
    const lose = () => {
      if (api.lost || api.closing) return;
      api.lost = true;
      const err = new JanusError('stopped', 'the connection to Janus was lost');
      for (const fail of api.failLost.splice(0)) fail(err);
      onLost();
    };
    connection.once(Janode.EVENT.CONNECTION_ERROR, lose);
    connection.once(Janode.EVENT.CONNECTION_CLOSED, lose);
    session.once(Janode.EVENT.SESSION_DESTROYED, lose);
    return api;
  }

  /** Whether the connection is usable (not lost, not closed). */
  get usable(): boolean {
    return !this.lost && !this.closing;
  }

  /** The event names of janode's handles (`webrtcup`, `media`, `hangup`...). */
  static async events(): Promise<JanodeModule['EVENT']> {
    return (await loadJanode()).Janode.EVENT;
  }

  /** A new VideoRoom handle on the session. */
  attach(): Promise<VideoRoomHandle> {
    return this.request(this.session.attach(this.VideoRoom), 'attach a VideoRoom handle');
  }

  /**
   * Awaits a janode request with the API's bounds: `request_timeout` after `requestTimeoutMs`,
   * `stopped` once the connection is lost, `request_failed` (with `janusCode`) when Janus refuses it.
   */
  request<T>(pending: Promise<T>, what = 'a request'): Promise<T> {
    if (!this.usable) {
      pending.catch(() => {});
      return Promise.reject(new JanusError('stopped', `Janus is not available for ${what}`));
    }
    return new Promise<T>((resolve, reject) => {
      const onLost = (err: JanusError) => reject(err);
      this.failLost.push(onLost);
      bounded(pending, this.requestTimeoutMs, what).then(
        (value) => {
          this.forget(onLost);
          resolve(value);
        },
        (err: unknown) => {
          this.forget(onLost);
          reject(toJanusError(err, what));
        },
      );
    });
  }

  /** Destroys the session and closes the connection. Idempotent; never rejects. */
  async close(): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    const err = new JanusError('stopped', 'the connection to Janus was closed');
    for (const fail of this.failLost.splice(0)) fail(err);
    if (!this.lost) {
      await bounded(this.session.destroy(), this.requestTimeoutMs, 'destroy the session').catch(() => {});
      await this.connection.close().catch(() => {});
    }
  }

  private forget(fail: (err: JanusError) => void): void {
    const i = this.failLost.indexOf(fail);
    if (i >= 0) this.failLost.splice(i, 1);
  }
}

/** `pending`, failing with `request_timeout` after `ms`; janode's errors become {@link JanusError}s. */
function bounded<T>(pending: Promise<T>, ms: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new JanusError('request_timeout', `Janus did not answer to ${what} within ${ms} ms`)), ms);
    pending.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(toJanusError(err, what));
      },
    );
  });
}

/** A janode failure as a {@link JanusError}: `request_failed` with the VideoRoom's code when it has one. */
export function toJanusError(err: unknown, what: string): JanusError {
  if (err instanceof JanusError) return err;
  const code = (err as { _code?: unknown } | null)?._code;
  const message = err instanceof Error ? err.message : String(err);
  return new JanusError('request_failed', `Janus refused to ${what}: ${message}`, { janusCode: typeof code === 'number' ? code : undefined, cause: err });
}
