/**
 * What every test file shares: its suite, named after the file; ids unique in the run; and the
 * waits. A wait is a promise that resolves once its condition holds and rejects after a safety
 * bound ({@link WAIT_MS}) saying what it waited for and what it saw. No test sleeps for a
 * guessed time, and no bound is a claim about speed (that is `npm run bench`'s job).
 *
 * Which wait, by what the test waits on:
 * - a nanostores atom (the SDK's state): {@link waitFor}, re-checked on each change;
 * - state a helper notifies about: {@link Signal} (`signal.until(check)`), re-checked on each `notify()`;
 * - a promise of an event (`nextEvent`, a socket's `close`): {@link within};
 * - state nothing notifies about (a server's socket count, a fake's counters): {@link until},
 *   re-checked every millisecond.
 *
 * ```ts
 * const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never }); // "client/connect"
 * const id = uniqueId('ring'); // "ring-3-4711"
 * await waitFor(client.readOnlyStateStore.connectionState$, (s) => s === 'connected', 'connected');
 * await until(() => h.c.hub.connectionCount === 0, 'no socket left on the hub');
 * ```
 */
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReadableAtom } from 'nanostores';
import { suite, type Test } from 'uvu';

/** Default safety bound of every wait, in ms: a wait that takes longer fails the test. */
export const WAIT_MS = 5000;

const TEST_DIR = fileURLToPath(new URL('..', import.meta.url));

/**
 * The name of the suite of the test file at `url` (`import.meta.url`): its path under test/
 * without `.test.ts`, e.g. `ws/heartbeat`, and `part` after a colon for a file of several suites.
 */
export function suiteName(url: string, part?: string): string {
  const file = relative(TEST_DIR, fileURLToPath(url)).replace(/\.test\.ts$/, '');
  return part ? `${file}: ${part}` : file;
}

/** A uvu suite named after its file ({@link suiteName}), with `context` as its state. */
export function fileSuite<T = Record<string, never>>(url: string, context?: T, part?: string): Test<T> {
  return suite<T>(suiteName(url, part), context);
}

let counter = 0;
/** An id unique in the run (this process's pid in it), e.g. `ring-7-4711`. */
export function uniqueId(prefix = 'call'): string {
  return `${prefix}-${++counter}-${process.pid}`;
}

/**
 * Resolves or rejects as `promise` does, or rejects after `ms` with `timed out after <ms> ms
 * waiting for <what>` (plus `detail()` when given). The timer is always cleared.
 */
export function within<T>(promise: Promise<T>, what: string, ms = WAIT_MS, detail?: () => string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}${detail ? ` (${detail()})` : ''}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the value of `store` once `predicate` holds (at once if it holds now). */
export function waitFor<T>(store: ReadableAtom<T>, predicate: (value: T) => boolean, what = 'a store value', ms = WAIT_MS): Promise<T> {
  let stop: (() => void) | undefined;
  let last: T | undefined;
  let done = false;
  const found = new Promise<T>((resolve) => {
    stop = store.subscribe((value) => {
      last = value;
      if (done || !predicate(value)) return;
      done = true;
      resolve(value);
    });
  });
  if (done) stop?.(); // held at once: subscribe called back before `stop` was set
  return within(found, what, ms, () => `last value: ${describe(last)}`).finally(() => stop?.());
}

/** Something that changes: waiters give a predicate, re-checked on each `notify()`. */
export class Signal {
  private readonly waiters = new Set<() => void>();

  /** Re-checks every waiter's predicate. */
  notify(): void {
    for (const w of [...this.waiters]) w();
  }

  /** Resolves once `check()` is true (at once if it already is); rejects after `ms`. */
  until(check: () => boolean, what: string, ms = WAIT_MS, detail?: () => string): Promise<void> {
    if (check()) return Promise.resolve();
    let waiter: () => void = () => {};
    const done = new Promise<void>((resolve) => {
      waiter = () => {
        if (check()) resolve();
      };
      this.waiters.add(waiter);
    });
    return within(done, what, ms, detail).finally(() => this.waiters.delete(waiter));
  }
}

/**
 * Resolves once `condition()` holds, re-checked every millisecond, for state nothing notifies
 * about (e.g. the hub's socket count); rejects after `ms`. Prefer {@link waitFor} or a
 * {@link Signal} where there is something to listen to.
 */
export async function until(condition: () => boolean, what: string | (() => string), ms = WAIT_MS): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${typeof what === 'function' ? what() : what}`);
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
}

/** Lets pending I/O and callbacks run: resolves after `n` turns of the event loop. */
export async function turns(n = 1): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

function describe(value: unknown): string {
  try {
    const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return json === undefined ? String(value) : json.length > 200 ? `${json.slice(0, 200)}…` : json;
  } catch {
    return String(value);
  }
}
