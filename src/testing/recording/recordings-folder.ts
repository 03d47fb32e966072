import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { folderBytes } from './folder-bytes';
import { RecordingError } from './recording-error';

/**
 * The folder recordings live in, with its size cap: the one given (created when missing, never
 * removed) or a temporary one made on first use and removed by {@link RecordingsFolder.close}.
 * While {@link RecordingsFolder.watch} runs, its size is checked on an interval and `onFull`
 * is called each time it is at the cap.
 *
 * ```ts
 * const folder = new RecordingsFolder(undefined, 2 ** 30);
 * const path = await folder.path();
 * await folder.requireRoom(0); // RecordingError `storage_full` at the cap
 * await folder.close();
 * ```
 */
export class RecordingsFolder {
  private made: Promise<string> | undefined;
  private timer: ReturnType<typeof setInterval> | undefined;

  /**
   * @param given the folder to use, or undefined for a temporary one.
   * @param maxBytes the cap, in bytes.
   */
  constructor(
    private readonly given: string | undefined,
    readonly maxBytes: number,
  ) {}

  /** The folder's path, made on first use. */
  path(): Promise<string> {
    const given = this.given;
    this.made ??= given === undefined ? mkdtemp(join(tmpdir(), 'stream-video-recordings-')) : mkdir(given, { recursive: true }).then(() => given);
    return this.made;
  }

  /** The bytes its files hold now. */
  async used(): Promise<number> {
    return folderBytes(await this.path());
  }

  /** @throws RecordingError `storage_full` when the folder is at its cap, or would be beyond it grown by `extraBytes`. */
  async requireRoom(extraBytes: number): Promise<void> {
    const used = await this.used();
    if (used >= this.maxBytes || used + extraBytes > this.maxBytes) {
      throw new RecordingError('storage_full', `the recordings folder would hold ${used + extraBytes} bytes, beyond its cap of ${this.maxBytes}`);
    }
  }

  /**
   * Checks the folder's size every `intervalMs` while `active()` is true (then stops by itself;
   * a later call starts again), calling `onFull` when it is at the cap.
   * @param onError where a failed check goes.
   */
  watch(intervalMs: number, active: () => boolean, onFull: () => void, onError: (err: unknown) => void): void {
    if (this.timer) return;
    let checking = false;
    this.timer = setInterval(() => {
      if (!active()) {
        this.stopWatching();
        return;
      }
      if (checking) return;
      checking = true;
      this.used()
        .then((used) => {
          if (used >= this.maxBytes && active()) onFull();
        })
        .catch(onError)
        .finally(() => (checking = false));
    }, intervalMs);
  }

  /** Stops watching, and removes the folder when it is a temporary one. Idempotent. */
  async close(): Promise<void> {
    this.stopWatching();
    if (this.given === undefined && this.made) await rm(await this.made, { recursive: true, force: true });
  }

  private stopWatching(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }
}
