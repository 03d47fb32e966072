/**
 * Helpers for the fuzz and security tests: bounded fast-check runs that report how many inputs
 * they tried, byte-level mutations of protobuf frames (bit flips, truncation, insertion,
 * deletion, concatenation), hand-written protobuf fields of unknown numbers, a watch on the
 * process for unhandled rejections and uncaught exceptions, a comparable snapshot of an SDK
 * client's read-only store, and raw Twirp requests with a checker of every answer.
 *
 * Every run is seeded (`FUZZ_SEED`, default {@link DEFAULT_SEED}) so a failure replays; the
 * number of runs scales with `FUZZ_SCALE` (default 1), e.g. `FUZZ_SCALE=10` for a longer soak.
 */
import fc from 'fast-check';
import { request } from 'node:http';
import * as assert from 'uvu/assert';
import type { MethodInfo } from '@protobuf-ts/runtime-rpc';
import { CoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { StreamVideoReadOnlyStateStore } from '../../src/index-node';
import type { LocalCoordinator } from '../../src/testing';
import { TWIRP_STATUS, isTwirpCode } from '../../src/testing/twirp/twirp-error';

/** The seed of every run unless `FUZZ_SEED` says otherwise. */
export const DEFAULT_SEED = 424242;
export const FUZZ_SEED = Number.isSafeInteger(Number(process.env['FUZZ_SEED'])) && process.env['FUZZ_SEED'] ? Number(process.env['FUZZ_SEED']) : DEFAULT_SEED;
const SCALE = Number(process.env['FUZZ_SCALE'] ?? '1') > 0 ? Number(process.env['FUZZ_SCALE'] ?? '1') : 1;

/** `n` runs, times `FUZZ_SCALE`. */
export function runs(n: number): number {
  return Math.max(1, Math.round(n * SCALE));
}

/** Inputs tried per target, for the summary each file prints. */
export const tried = new Map<string, number>();

/** Prints `fuzz: <label>: N inputs (seed S)` and keeps the count in {@link tried}. */
export function report(label: string, n: number, extra = ''): void {
  tried.set(label, (tried.get(label) ?? 0) + n);
  console.log(`fuzz: ${label}: ${n} inputs (seed ${FUZZ_SEED})${extra ? ` ${extra}` : ''}`);
}

/**
 * Runs `body` on `numRuns` values of `arb` (seeded, no shrinking after a failure: one failing
 * run can cost a safety timeout), prints how many inputs were tried, and rethrows a failure
 * with the counterexample described by `show`.
 */
export async function fuzz<T>(
  label: string,
  arb: fc.Arbitrary<T>,
  body: (value: T) => Promise<void> | void,
  options: { numRuns: number; show?: (value: T) => string },
): Promise<number> {
  let n = 0;
  let last: T | undefined;
  const property = fc.asyncProperty(arb, async (value) => {
    n++;
    last = value;
    await body(value);
  });
  try {
    await fc.assert(property, { seed: FUZZ_SEED, numRuns: options.numRuns, endOnFailure: true });
  } catch (err) {
    const shown = last === undefined ? '' : (options.show?.(last) ?? safe(last));
    const cause = err instanceof Error && err.cause !== undefined ? err.cause : err;
    const message = cause instanceof Error ? cause.message : String(cause);
    throw new Error(`${label}: failed after ${n} inputs (seed ${FUZZ_SEED}): ${message}\nlast input: ${shown}`, { cause: err });
  } finally {
    report(label, n);
  }
  return n;
}

function safe(value: unknown): string {
  try {
    const text = JSON.stringify(value, (_k, v: unknown) => (v instanceof Uint8Array ? hex(v) : typeof v === 'bigint' ? `${v}n` : v));
    return text.length > 600 ? `${text.slice(0, 600)}…` : text;
  } catch {
    return String(value);
  }
}

/** Bytes as hex, shortened past 200 bytes. */
export function hex(bytes: Uint8Array): string {
  const shown = Buffer.from(bytes.subarray(0, 200)).toString('hex');
  return bytes.length > 200 ? `${shown}… (${bytes.length} bytes)` : shown;
}

/**
 * Wraps a suite hook so that its failure is printed: uvu swallows an error thrown by a
 * `before` hook (the suite then shows 0 passed and no reason).
 */
export function loud<A extends unknown[]>(hook: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args) => {
    try {
      await hook(...args);
    } catch (err) {
      console.error(`a suite hook failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
      throw err;
    }
  };
}

// ---- byte mutations --------------------------------------------------------------------------

/**
 * One edit of a byte string. Positions are taken modulo the length at the time the edit is
 * applied, so a recipe does not depend on the length of what it is applied to.
 */
export type Mutation =
  | { op: 'flip'; at: number; bit: number }
  | { op: 'set'; at: number; byte: number }
  | { op: 'truncate'; at: number }
  | { op: 'insert'; at: number; bytes: Uint8Array }
  | { op: 'delete'; at: number; length: number }
  | { op: 'duplicate'; at: number; length: number };

export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ op: fc.constant('flip' as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }) },
  {
    weight: 2,
    arbitrary: fc.record({ op: fc.constant('set' as const), at: fc.nat(), byte: fc.constantFrom(0x00, 0x01, 0x7f, 0x80, 0xff, 0x08, 0x0a, 0x12, 0x22) }),
  },
  { weight: 2, arbitrary: fc.record({ op: fc.constant('truncate' as const), at: fc.nat() }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 8 }) }) },
  { weight: 1, arbitrary: fc.record({ op: fc.constant('duplicate' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 16 }) }) },
);

/** Applies `mutations` in order to a copy of `input`. */
export function mutate(input: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  let bytes: Uint8Array = Uint8Array.from(input);
  for (const m of mutations) {
    const len = bytes.length;
    switch (m.op) {
      case 'flip':
        if (len > 0) bytes[m.at % len] ^= 1 << m.bit;
        break;
      case 'set':
        if (len > 0) bytes[m.at % len] = m.byte;
        break;
      case 'truncate':
        bytes = bytes.slice(0, len === 0 ? 0 : m.at % len);
        break;
      case 'insert': {
        const at = m.at % (len + 1);
        bytes = concat([bytes.subarray(0, at), m.bytes, bytes.subarray(at)]);
        break;
      }
      case 'delete': {
        if (len === 0) break;
        const at = m.at % len;
        bytes = concat([bytes.subarray(0, at), bytes.subarray(Math.min(len, at + m.length))]);
        break;
      }
      case 'duplicate': {
        if (len === 0) break;
        const at = m.at % len;
        const piece = bytes.subarray(at, Math.min(len, at + m.length));
        bytes = concat([bytes.subarray(0, at), piece, bytes.subarray(at)]);
        break;
      }
    }
  }
  return bytes;
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// ---- hand-written protobuf ------------------------------------------------------------------

/** A protobuf varint. */
export function varint(value: number | bigint): Uint8Array {
  let v = BigInt(value);
  if (v < 0n) v = BigInt.asUintN(64, v);
  const out: number[] = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v > 0n) b |= 0x80;
    out.push(b);
  } while (v > 0n);
  return Uint8Array.from(out);
}

/** Wire types of protobuf fields. */
export const WIRE = { VARINT: 0, I64: 1, LEN: 2, I32: 5 } as const;

/** One field: its tag, then a body fit for the wire type. */
export function field(fieldNo: number, wireType: number, body: Uint8Array | number | bigint): Uint8Array {
  const tag = varint((BigInt(fieldNo) << 3n) | BigInt(wireType));
  if (wireType === WIRE.VARINT) return concat([tag, varint(typeof body === 'object' ? 0 : body)]);
  if (wireType === WIRE.LEN) {
    const bytes = typeof body === 'object' ? body : new Uint8Array(0);
    return concat([tag, varint(bytes.length), bytes]);
  }
  const width = wireType === WIRE.I64 ? 8 : 4;
  const bytes = typeof body === 'object' ? body.subarray(0, width) : new Uint8Array(width);
  const padded = new Uint8Array(width);
  padded.set(bytes);
  return concat([tag, padded]);
}

/** A field of a number no message here uses, with a well-formed body of a random wire type. */
export const unknownFieldArb = (minFieldNo: number): fc.Arbitrary<Uint8Array> =>
  fc
    .record({
      no: fc.oneof(fc.integer({ min: minFieldNo, max: minFieldNo + 20 }), fc.integer({ min: minFieldNo, max: 2 ** 29 - 1 })),
      wire: fc.constantFrom(WIRE.VARINT, WIRE.I64, WIRE.LEN, WIRE.I32),
      value: fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
      bytes: fc.uint8Array({ maxLength: 24 }),
    })
    .map(({ no, wire, value, bytes }) => field(no, wire, wire === WIRE.VARINT ? value : bytes));

// ---- the process ----------------------------------------------------------------------------

/**
 * Records unhandled rejections and uncaught exceptions until `stop()`. While it listens, an
 * uncaught exception does not end the process: the test fails on it instead.
 */
export function watchProcess(): { errors: string[]; stop: () => void; assertClean: (what: string) => void } {
  const errors: string[] = [];
  const onRejection = (reason: unknown) => errors.push(`unhandled rejection: ${describeError(reason)}`);
  const onException = (err: unknown) => errors.push(`uncaught exception: ${describeError(err)}`);
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return {
    errors,
    stop: () => {
      process.off('unhandledRejection', onRejection);
      process.off('uncaughtException', onException);
    },
    assertClean: (what) => {
      if (errors.length > 0) assert.unreachable(`${what}: ${errors.length} process error(s), first: ${errors[0]}`);
    },
  };
}

/** An error's name, message and the top of its stack. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message} ${(err.stack ?? '').split('\n').slice(1, 6).join(' <- ')}`;
  return String(err);
}

// ---- the SDK store --------------------------------------------------------------------------

/** Every value of the read-only store as plain JSON text, to compare before and after. */
export function storeSnapshot(store: StreamVideoReadOnlyStateStore): string {
  const call = store.activeCall$.get();
  const list = (l: { toArray(): readonly { sessionId: string; userId: string; role: string; isPinned?: boolean; isLocalParticipant?: boolean }[] }) =>
    l.toArray().map((p) => ({ sessionId: p.sessionId, userId: p.userId, role: p.role, pinned: p.isPinned, local: p.isLocalParticipant }));
  const value = {
    connectedUser: store.connectedUser$.get(),
    connectionState: store.connectionState$.get(),
    pending: store.pendingCalls$.get().map((p) => ({ direction: p.direction, call: p.call, ringer: p.ringer, since: p.since })),
    incoming: store.incomingCalls$.get().length,
    outgoing: store.outgoingCalls$.get().length,
    accepted: store.acceptedCall$.get(),
    activeCall: call && { cid: call.cid, data: call.data, members: call.members, ownCapabilities: call.ownCapabilities, left: call.hasLeft },
    participants: list(store.participants$.get()),
    remote: list(store.remoteParticipants$.get()),
    pinned: list(store.pinnedParticipants$.get()),
    local: store.localParticipant$.get()?.sessionId,
    dominant: store.dominantSpeaker$.get()?.sessionId,
    recording: store.callRecordingInProgress$.get(),
    permissionRequest: store.callPermissionRequest$.get(),
  };
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v));
}

// ---- raw Twirp ------------------------------------------------------------------------------

export const SERVICE = CoordinatorService.typeName;
export const METHODS: readonly MethodInfo[] = CoordinatorService.methods;

/** What came back from a raw Twirp request. */
export interface RawAnswer {
  status: number;
  contentType: string | null;
  body: Uint8Array;
}

/**
 * POSTs `body` to `/twirp/<service>/<method>` (or `path`) with the given headers, over
 * `node:http` (kept-alive sockets): the fuzz sends thousands of requests, and `fetch` spent a
 * fifth of fuzz/twirp's CPU on its web streams (8.8 -> 7.2 CPU-seconds alone).
 */
export function twirpPost(c: LocalCoordinator, method: string, body: Uint8Array | string, headers: Record<string, string>, path?: string): Promise<RawAnswer> {
  const payload = typeof body === 'string' ? Buffer.from(body) : body;
  return new Promise((resolve, reject) => {
    const req = request(
      `${c.baseUrl}${path ?? `/twirp/${SERVICE}/${method}`}`,
      { method: 'POST', headers: { ...headers, 'content-length': String(payload.length) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, contentType: res.headers['content-type'] ?? null, body: new Uint8Array(Buffer.concat(chunks)) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}

/** The headers of an authenticated request. */
export function authHeaders(c: LocalCoordinator, token: string, contentType: string): Record<string, string> {
  return { 'content-type': contentType, authorization: `Bearer ${token}`, 'stream-api-key': c.apiKey };
}

/**
 * Checks one Twirp answer: a 200 whose body decodes as the method's response in the format of
 * the request, or a Twirp JSON error `{code,msg,meta}` whose code is one of the spec's, sent
 * with that code's status. Returns `ok` or the error code.
 */
export function checkTwirpAnswer(method: MethodInfo | undefined, format: 'json' | 'protobuf' | undefined, answer: RawAnswer, what: string): string {
  if (answer.status === 200) {
    if (!method || !format) assert.unreachable(`${what}: 200 for a request that has no method or format`);
    assert.is(answer.contentType, format === 'json' ? 'application/json' : 'application/protobuf', `${what}: content type of a 200`);
    try {
      if (format === 'json') method!.O.fromJsonString(Buffer.from(answer.body).toString('utf8'));
      else method!.O.fromBinary(answer.body);
    } catch (err) {
      assert.unreachable(`${what}: a 200 whose body does not decode as ${method!.O.typeName}: ${describeError(err)}`);
    }
    return 'ok';
  }
  assert.is(answer.contentType, 'application/json', `${what}: errors are Twirp JSON (status ${answer.status})`);
  let body: { code?: unknown; msg?: unknown; meta?: unknown };
  try {
    body = JSON.parse(Buffer.from(answer.body).toString('utf8')) as typeof body;
  } catch {
    return assert.unreachable(`${what}: status ${answer.status} with a body that is not JSON`) as never;
  }
  assert.ok(isTwirpCode(body.code), `${what}: "${String(body.code)}" is not a Twirp code`);
  const code = body.code;
  assert.is(answer.status, TWIRP_STATUS[code], `${what}: status of "${code}"`);
  assert.type(body.msg, 'string', `${what}: msg`);
  assert.ok(typeof body.meta === 'object' && body.meta !== null && !Array.isArray(body.meta), `${what}: meta is an object`);
  for (const v of Object.values(body.meta)) assert.type(v, 'string', `${what}: meta values are strings`);
  return code;
}
