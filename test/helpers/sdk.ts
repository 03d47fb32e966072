/**
 * Helpers for end-to-end tests of the SDK against the local coordinator, over real HTTP and
 * WebSocket. Every wait is a promise with a bounded safety timeout that rejects with a clear
 * message: no test sleeps to guess at timing.
 *
 * ```ts
 * const h = await Harness.start();
 * const alice = await h.connect('alice');
 * const ring = nextEvent(bob, 'call.ring');
 * ...
 * await h.close(); // disconnects every client, closes the coordinator
 * ```
 */
import * as assert from 'uvu/assert';
import {
  StreamVideoClient,
  StreamVideoError,
  CALL_CONFIG,
  type CallConfig,
  type StreamClientOptions,
  type StreamEventMap,
  type StreamVideoErrorCode,
} from '../../src/index-node';
import { LocalCoordinator, type LocalCoordinatorOptions } from '../../src/testing';

import { WAIT_MS, within } from './common';
import { startCoordinator } from './coordinator';

export { startCoordinator };
/** Re-exported for tests written before test/helpers/common.ts held them: import them from there. */
export { uniqueId, until, WAIT_MS, waitFor, within } from './common';

/**
 * `within` with its arguments in the old order.
 * @deprecated Use {@link within} from test/helpers/common.ts.
 */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return within(promise, what, ms);
}

/** Options of one test client. */
export interface ClientSetup {
  /** Client options on top of the coordinator's base URL and a silent logger. */
  opts?: StreamClientOptions;
  callConfig?: CallConfig;
  /** The user's display name (default: the id, capitalised). */
  name?: string;
}

/** A coordinator and the clients made against it, all closed by {@link Harness.close}. */
export class Harness {
  readonly clients: StreamVideoClient[] = [];

  private constructor(readonly c: LocalCoordinator) {}

  static async start(options: LocalCoordinatorOptions = {}): Promise<Harness> {
    return new Harness(await startCoordinator(options));
  }

  /** A new client, not connected, pointed at the coordinator. */
  client(setup: ClientSetup = {}): StreamVideoClient {
    const client = new StreamVideoClient(
      this.c.apiKey,
      { baseUrl: this.c.baseUrl, logger: () => {}, logLevel: 'debug', ...setup.opts },
      setup.callConfig ?? CALL_CONFIG.ring,
    );
    this.clients.push(client);
    return client;
  }

  /** A new client connected as `userId` (with a token provider). */
  async connect(userId: string, setup: ClientSetup = {}): Promise<StreamVideoClient> {
    const client = this.client(setup);
    await client.connectUser({ id: userId, name: setup.name ?? userId[0].toUpperCase() + userId.slice(1) }, () => this.c.createToken(userId));
    return client;
  }

  /** Disconnects every client, closes the coordinator. */
  async close(): Promise<void> {
    this.closing ??= (async () => {
      await Promise.all(this.clients.map((client) => client.disconnectUser().catch(() => {})));
      await this.c.close();
    })();
    return this.closing;
  }

  private closing: Promise<void> | undefined;
}

/** Resolves with the next `name` event of `client` for which `predicate` holds. */
export function nextEvent<K extends keyof StreamEventMap>(
  client: StreamVideoClient,
  name: K,
  predicate: (event: StreamEventMap[K]) => boolean = () => true,
  ms = WAIT_MS,
): Promise<StreamEventMap[K]> {
  let off: (() => void) | undefined;
  const seen = new Promise<StreamEventMap[K]>((resolve) => {
    off = client.on(name, ((event: StreamEventMap[K]) => {
      if (!predicate(event)) return;
      off?.();
      resolve(event);
    }) as never);
  });
  return within(seen, `the event "${String(name)}"`, ms).finally(() => off?.());
}

/** Records every event of `client` (through `'*'`) until `stop()`. */
export function recordEvents(client: StreamVideoClient): { events: StreamEventMap[keyof StreamEventMap][]; stop: () => void } {
  const events: StreamEventMap[keyof StreamEventMap][] = [];
  const stop = client.on('*', (e) => void events.push(e));
  return { events, stop };
}

/** Awaits `action`, asserts that it rejects with a StreamVideoError of `code`, returns the error. */
export async function expectError(action: Promise<unknown> | (() => unknown), code: StreamVideoErrorCode, argument?: string): Promise<StreamVideoError> {
  let caught: unknown;
  let result: unknown;
  try {
    result = typeof action === 'function' ? await action() : await action;
  } catch (err) {
    caught = err;
  }
  if (caught === undefined) assert.unreachable(`expected a StreamVideoError "${code}", but it resolved with ${describe(result)}`);
  if (!(caught instanceof StreamVideoError)) throw new Error(`expected a StreamVideoError "${code}", got ${describe(caught)}`, { cause: caught });
  assert.is(caught.code, code, `expected code "${code}", got "${caught.code}": ${caught.message}`);
  if (argument !== undefined) assert.is(caught.meta?.['argument'], argument, `meta.argument of: ${caught.message}`);
  return caught;
}

/** Asserts that the synchronous `fn` throws a StreamVideoError of `code`. */
export function expectThrows(fn: () => unknown, code: StreamVideoErrorCode, argument?: string): StreamVideoError {
  try {
    fn();
  } catch (err) {
    if (!(err instanceof StreamVideoError)) throw new Error(`expected a StreamVideoError "${code}", got ${describe(err)}`, { cause: err });
    assert.is(err.code, code, `expected code "${code}", got "${err.code}": ${err.message}`);
    if (argument !== undefined) assert.is(err.meta?.['argument'], argument, `meta.argument of: ${err.message}`);
    return err;
  }
  return assert.unreachable(`expected a StreamVideoError "${code}", but nothing was thrown`) as never;
}

/**
 * Resolves once the process has no active `Timeout`, allowing at most `turns` turns of
 * the event loop (setImmediate) for sockets and servers to finish closing; rejects with
 * the resources left otherwise.
 */
export async function noTimersLeft(turns = 200): Promise<void> {
  for (let i = 0; i < turns; i++) {
    if (!process.getActiveResourcesInfo().includes('Timeout')) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`timers left behind after ${turns} turns: ${process.getActiveResourcesInfo().join(', ')}`);
}

export { mulberry32 } from './prng';

/** The cids of a list of pending calls. */
export function cids(calls: readonly { call: { call?: { cid: string } } }[]): string[] {
  return calls.map((p) => p.call.call?.cid ?? '');
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    const json = JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    return json === undefined ? String(value) : json.length > 200 ? `${json.slice(0, 200)}…` : json;
  } catch {
    return String(value);
  }
}
