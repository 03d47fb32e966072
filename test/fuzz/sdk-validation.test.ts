/**
 * Fuzzing the SDK's argument validation with `fc.anything()` (and values close to valid ones):
 * ids, call types, filters, sorts, limits, cursors, members, custom data, permissions, users,
 * tokens, event names, options. The rule (README: "Bad input is refused before any request is
 * sent"): an argument that breaks what the SDK documents is refused with a `StreamVideoError`
 * of code `invalid_argument` naming the argument (`meta.argument`), and no request reaches
 * the server; nothing else is ever thrown (no TypeError, no other class of error). An input
 * that is valid may reach the server and fail there: that is fine.
 *
 * What is valid is decided here, from the documentation, independently of the SDK's code:
 * call ids `^[A-Za-z0-9_-]{1,64}$`; call types among KNOWN_CALL_TYPES; user and session ids
 * of 1 to 128 characters without spaces or control characters; filters and custom data that
 * are JSON objects (null, booleans, finite numbers, strings, dense arrays and plain objects
 * only: NaN, Infinity, undefined, functions, symbols, bigints, dates, maps... are not JSON);
 * sorts as arrays of `{ field: non-empty string, direction?: 1 | -1 }`; limits as integers
 * from 1 to 100; cursors as strings; permissions as arrays of non-empty strings.
 */
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { WebSocket as WsWebSocket } from 'ws';
import { CALL_CONFIG, KNOWN_CALL_TYPES, StreamVideoClient, StreamVideoError } from '../../src/index-node';
import { Struct } from '../../gen/google/protobuf/struct';
import { describeError, fuzz, loud, runs, watchProcess } from '../helpers/fuzz';
import { Harness } from '../helpers/sdk';
import { webSocketOf } from '../../src/testing';
import { fileSuite } from '../helpers/common';

interface Ctx {
  h: Harness;
  alice: StreamVideoClient;
  /** Twirp requests sent by any client of this file. */
  rpcs: string[];
  /** WebSockets any client of this file opened. */
  sockets: number;
  restore: () => void;
}

const test = fileSuite<Ctx>(import.meta.url, {} as Ctx);

test.before(
  loud(async (ctx) => {
    ctx.rpcs = [];
    ctx.sockets = 0;
    const realFetch = globalThis.fetch;
    globalThis.fetch = (input: Parameters<typeof fetch>[0], init?: RequestInit) => {
      const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
      if (url.includes('/twirp/')) ctx.rpcs.push(url.slice(url.lastIndexOf('/') + 1));
      return realFetch(input, init);
    };
    ctx.restore = () => (globalThis.fetch = realFetch);
    ctx.h = await Harness.start();
    ctx.alice = await ctx.h.connect('alice', { callConfig: CALL_CONFIG.meeting, opts: options(ctx) });
  }),
);

test.after(async (ctx) => {
  await ctx.h.close();
  ctx.restore();
});

/** Client options: a WebSocket that is counted, one attempt per RPC, short edge measurements. */
function options(ctx: Ctx) {
  const Counted = webSocketOf((url) => {
    ctx.sockets++;
    return new WsWebSocket(url);
  });
  return { WebSocket: Counted, retry: { maxAttempts: 1 }, timeouts: { edgeMeasurementMs: 200, rpcMs: 2000 } };
}

// ---- what is valid, from the documentation ------------------------------------------------------

const CALL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const USER_ID = /^[^\s\u0000-\u001f]{1,128}$/;
const validCallId = (v: unknown) => typeof v === 'string' && CALL_ID.test(v);
const validCallType = (v: unknown) => typeof v === 'string' && KNOWN_CALL_TYPES.includes(v);
const validUserId = (v: unknown) => typeof v === 'string' && USER_ID.test(v);

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto: unknown = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}

/** A JSON value: what `JSON.parse` can return (finite numbers only, dense arrays, plain objects). */
function isJson(v: unknown, depth = 0): boolean {
  if (depth > 200) return false;
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) {
    if (Object.getPrototypeOf(v) !== Array.prototype) return false;
    for (let i = 0; i < v.length; i++) if (!(i in v) || !isJson(v[i], depth + 1)) return false;
    return true;
  }
  return isPlainObject(v) && Object.values(v).every((x) => isJson(x, depth + 1));
}
const isJsonObject = (v: unknown) => isPlainObject(v) && isJson(v);

const validSort = (v: unknown) =>
  v === undefined ||
  (Array.isArray(v) &&
    v.every(
      (s) =>
        typeof s === 'object' &&
        s !== null &&
        typeof (s as { field?: unknown }).field === 'string' &&
        (s as { field: string }).field.length > 0 &&
        [undefined, 1, -1].includes((s as { direction?: unknown }).direction as never),
    ));
const validLimit = (v: unknown) => v === undefined || (typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 100);
const validPermissions = (v: unknown, allowEmpty: boolean) =>
  (allowEmpty && v === undefined) || (Array.isArray(v) && (allowEmpty || v.length > 0) && v.every((p) => typeof p === 'string' && p.length > 0));

// ---- arbitraries: anything, mixed with values that are (nearly) valid ---------------------------

const anything = fc.anything({
  withBigInt: true,
  withBoxedValues: true,
  withDate: true,
  withMap: true,
  withSet: true,
  withNullPrototype: true,
  withSparseArray: true,
  withTypedArray: true,
  withUnicodeString: true,
  maxDepth: 3,
});
const odd = fc.constantFrom<unknown>(
  Number.NaN,
  Number.POSITIVE_INFINITY,
  -0,
  undefined,
  null,
  '',
  ' ',
  'a b',
  'x'.repeat(65),
  'x'.repeat(129),
  '\u0000',
  () => 1,
  Symbol('s'),
  10n,
  new Date(0),
  [],
  {},
);
const mix = <T>(valid: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: anything }, { weight: 1, arbitrary: odd }, { weight: 2, arbitrary: valid });

const idArb = mix(fc.oneof(fc.constantFrom('v-1', 'v-2'), fc.stringMatching(/^[A-Za-z0-9_-]{1,64}$/)));
const typeArb = mix(fc.constantFrom(...KNOWN_CALL_TYPES));
const userIdArb = mix(fc.constantFrom('bob', 'carol', 'ünïcødé', 'x'.repeat(128)));
const jsonObjectArb = fc.dictionary(fc.string({ maxLength: 6 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 3 });
/** JSON objects with one value, somewhere, replaced by anything. */
const nearlyJsonArb = fc
  .tuple(jsonObjectArb, fc.string({ maxLength: 6 }), fc.oneof(anything, odd))
  .map(([obj, key, v]) => ({ ...obj, [key]: { deeper: [v] } }));

// ---- the property every call must keep ------------------------------------------------------------

let checkedInvalid = 0;
let checkedValid = 0;

/** What broke the rule, by kind: every kind is reported at the end of a test, with examples. */
class Violations {
  private readonly byKind = new Map<string, string[]>();
  add(kind: string, example: string): void {
    const list = this.byKind.get(kind) ?? [];
    list.push(example);
    this.byKind.set(kind, list);
  }
  /** Fails with every kind of violation seen (count and two examples each). */
  assertNone(target: string): void {
    if (this.byKind.size === 0) return;
    const lines = [...this.byKind].map(([kind, examples]) => `  - ${kind} (${examples.length}x), e.g. ${examples.slice(0, 2).join(' ;; ')}`);
    assert.unreachable(`${target}: ${this.byKind.size} kind(s) of violation:\n${lines.join('\n')}`);
  }
}

/**
 * Runs `action`: when `invalid`, it must throw or reject a StreamVideoError `invalid_argument`
 * with `meta.argument`, having sent nothing; in any case nothing but a StreamVideoError may come
 * out. `exact`: the validity rule here is the whole rule, so a valid input must not be refused
 * as `invalid_argument` before a request. Breaks of the rule go to `violations` under `label`.
 */
async function check(ctx: Ctx, violations: Violations, label: string, what: string, invalid: boolean, action: () => unknown, exact = true): Promise<void> {
  const rpcsBefore = ctx.rpcs.length;
  const socketsBefore = ctx.sockets;
  let caught: unknown;
  let threw = false;
  try {
    await action();
  } catch (err) {
    caught = err;
    threw = true;
  }
  const sent = ctx.rpcs.length - rpcsBefore + (ctx.sockets - socketsBefore);
  const short = what.length > 240 ? `${what.slice(0, 240)}…` : what;
  if (threw && !(caught instanceof StreamVideoError)) {
    violations.add(
      `${label}: throws ${(caught as Error)?.name ?? typeof caught}, not a StreamVideoError`,
      `${short} -> ${describeError(caught).slice(0, 160)}`,
    );
    return;
  }
  const err = caught as StreamVideoError | undefined;
  if (invalid) {
    checkedInvalid++;
    if (!threw)
      violations.add(
        `${label}: invalid input accepted`,
        `${short}${sent > 0 ? ` (then sent: ${ctx.rpcs.slice(rpcsBefore).join(', ') || `${sent} socket(s)`})` : ''}`,
      );
    else if (sent > 0) violations.add(`${label}: invalid input reached the server, refused there with ${err!.code}`, `${short} -> ${err!.message}`);
    else if (err!.code !== 'invalid_argument') violations.add(`${label}: refused with "${err!.code}", not invalid_argument`, `${short} -> ${err!.message}`);
    else if (!(typeof err!.meta['argument'] === 'string' && err!.meta['argument'].length > 0))
      violations.add(`${label}: no meta.argument`, `${short} -> ${err!.message}`);
  } else {
    checkedValid++;
    if (exact && threw && sent === 0 && err!.code === 'invalid_argument') violations.add(`${label}: valid input refused`, `${short} -> ${err!.message}`);
  }
}

function show(value: unknown): string {
  try {
    return fc.stringify(value);
  } catch {
    return String(value);
  }
}

/** Runs one target: the fuzzing, then every violation seen, then the process errors. */
async function target<T>(label: string, arb: fc.Arbitrary<T>, numRuns: number, body: (value: T, violations: Violations) => Promise<void>): Promise<void> {
  const watch = watchProcess();
  const violations = new Violations();
  const started = Date.now();
  try {
    await fuzz(
      label,
      arb,
      async (value) => {
        const errors = watch.errors.length;
        await body(value, violations);
        for (const e of watch.errors.slice(errors))
          violations.add(`${label}: ${e.split(' at ')[0].slice(0, 120)}`, `${show(value).slice(0, 240)} -> ${e.slice(0, 300)}`);
      },
      { numRuns, show },
    );
  } finally {
    watch.stop();
    console.log(`fuzz: ${label}: ${Date.now() - started} ms`);
  }
  violations.assertNone(label);
}

// ---- targets ------------------------------------------------------------------------------------

type CallMethod =
  | 'getOrCreateCall'
  | 'joinCall'
  | 'acceptCall'
  | 'rejectCall'
  | 'cancelCall'
  | 'startRecording'
  | 'stopRecording'
  | 'requestCallPermissions'
  | 'updateUserPermissions';
const CALL_METHODS: CallMethod[] = [
  'getOrCreateCall',
  'joinCall',
  'acceptCall',
  'rejectCall',
  'cancelCall',
  'startRecording',
  'stopRecording',
  'requestCallPermissions',
  'updateUserPermissions',
];

function callWith(client: StreamVideoClient, method: CallMethod, id: unknown, type: unknown): Promise<unknown> {
  // Arguments of any type, as plain JavaScript could pass them.
  const fn = Reflect.get(client, method) as (...args: unknown[]) => Promise<unknown>;
  const call = (...args: unknown[]): Promise<unknown> => fn.apply(client, args);
  if (method === 'requestCallPermissions') return call(id, type, { permissions: ['screenshare'] });
  if (method === 'updateUserPermissions') return call(id, type, { userId: 'bob', grantPermissions: ['send-audio'] });
  return call(id, type);
}

test('ids and call types of every call method', async (ctx) => {
  await target(
    'SDK validation: ids and types',
    fc.record({ method: fc.constantFrom(...CALL_METHODS), id: idArb, type: typeArb }),
    runs(1500),
    ({ method, id, type }, v) =>
      check(ctx, v, `${method}: id, type`, `${method}(${show(id)}, ${show(type)})`, !validCallId(id) || !validCallType(type), () =>
        callWith(ctx.alice, method, id, type),
      ),
  );
});

test('queryCalls: filter conditions', async (ctx) => {
  const filterArb = mix(
    fc.oneof(jsonObjectArb, nearlyJsonArb, fc.constant({ members: { $in: ['bob'] } }), fc.constant({ $or: [{ id: 'a' }, { recording: true }] })),
  );
  // Not `exact`: a JSON filter of a wrong shape (an unknown operator...) may be refused by the SDK or by the server.
  await target('SDK validation: queryCalls filter', filterArb, runs(1000), (filter, v) =>
    check(ctx, v, 'queryCalls: filterConditions', `queryCalls(${show(filter)})`, !isJsonObject(filter), () => ctx.alice.queryCalls(filter as never, []), false),
  );
});

test('queryCalls: sort, limit and cursor', async (ctx) => {
  const sortArb = mix(
    fc.array(fc.record({ field: mix(fc.constantFrom('created_at', 'member_count')), direction: mix(fc.constantFrom(1, -1)) }, { requiredKeys: ['field'] }), {
      maxLength: 2,
    }),
  );
  const limitArb = mix(fc.oneof(fc.integer({ min: 1, max: 100 }), fc.constant(undefined)));
  const nextArb = mix(fc.oneof(fc.constant(undefined), fc.constant('')));
  // Not `exact`: a sort field the server does not know is for the server to refuse.
  await target(
    'SDK validation: queryCalls sort, limit, next',
    fc.record({ sort: sortArb, limit: limitArb, next: nextArb }),
    runs(1000),
    ({ sort, limit, next }, v) =>
      check(
        ctx,
        v,
        'queryCalls: sort, limit, next',
        `queryCalls({}, ${show(sort)}, ${show(limit)}, ${show(next)})`,
        !validSort(sort) || !validLimit(limit) || !(next === undefined || typeof next === 'string'),
        () => ctx.alice.queryCalls({}, sort as never, limit as never, next as never),
        false,
      ),
  );
});

test('getOrCreateCall: members and custom data', async (ctx) => {
  const memberArb = mix(fc.record({ userId: userIdArb, role: mix(fc.constantFrom('member', 'moderator', undefined)) }, { requiredKeys: ['userId'] }));
  const dataArb = fc.oneof(
    fc.record({ members: mix(fc.array(memberArb, { maxLength: 2 })) }),
    fc.record({ custom: mix(fc.oneof(jsonObjectArb, nearlyJsonArb)) }),
  );
  let id = 0;
  await target('SDK validation: getOrCreateCall data', dataArb, runs(1000), (data, v) => {
    const { members, custom } = data as { members?: unknown; custom?: unknown };
    if ('members' in data) {
      const ok =
        members === undefined || // null and typed arrays are refused: members must be a real array
        (Array.isArray(members) &&
          members.every((m) => {
            if (typeof m !== 'object' || m === null) return false;
            const { userId, role } = m as { userId?: unknown; role?: unknown };
            return validUserId(userId) && (role === undefined || typeof role === 'string');
          }));
      return check(ctx, v, 'getOrCreateCall: data.members', `getOrCreateCall(id, 'default', ${show(data)})`, !ok, () =>
        ctx.alice.getOrCreateCall(`data-${++id}`, 'default', data as never),
      );
    }
    return check(ctx, v, 'getOrCreateCall: data.custom', `getOrCreateCall(id, 'default', ${show(data)})`, !(custom === undefined || isJsonObject(custom)), () =>
      ctx.alice.getOrCreateCall(`data-${++id}`, 'default', data as never),
    );
  });
});

test('requestCallPermissions and updateUserPermissions: permissions and the user', async (ctx) => {
  await ctx.alice.getOrCreateCall('perm-call', 'default', { members: [{ userId: 'bob' }] });
  const permsArb = mix(fc.array(fc.constantFrom('send-audio', 'screenshare'), { maxLength: 2 }));
  const inputArb = fc.oneof(
    fc.record({ kind: fc.constant('request' as const), data: mix(fc.record({ permissions: permsArb })) }),
    fc.record({
      kind: fc.constant('update' as const),
      data: mix(fc.record({ userId: userIdArb, grantPermissions: permsArb, revokePermissions: permsArb }, { requiredKeys: ['userId'] })),
    }),
  );
  await target('SDK validation: permissions', inputArb, runs(800), (input, v) => {
    const data = input.data as Record<string, unknown> | null | undefined;
    const obj = typeof data === 'object' && data !== null ? data : undefined;
    if (input.kind === 'request') {
      return check(ctx, v, 'requestCallPermissions: data', `requestCallPermissions(${show(data)})`, !validPermissions(obj?.['permissions'], false), () =>
        ctx.alice.requestCallPermissions('perm-call', 'default', data as never),
      );
    }
    const grant = obj?.['grantPermissions'];
    const revoke = obj?.['revokePermissions'];
    const invalid =
      !validUserId(obj?.['userId']) ||
      !validPermissions(grant, true) ||
      !validPermissions(revoke, true) ||
      ((grant as unknown[] | undefined)?.length ?? 0) + ((revoke as unknown[] | undefined)?.length ?? 0) === 0;
    return check(ctx, v, 'updateUserPermissions: data', `updateUserPermissions(${show(data)})`, invalid, () =>
      ctx.alice.updateUserPermissions('perm-call', 'default', data as never),
    );
  });
});

test('connectUser: the user and the token', async (ctx) => {
  const userArb = mix(fc.record({ id: userIdArb, name: mix(fc.string({ maxLength: 5 })) }, { requiredKeys: ['id'] }));
  const tokenArb = mix(fc.constantFrom('a.b.c', 'token'));
  await target('SDK validation: connectUser user and token', fc.record({ user: userArb, token: tokenArb }), runs(600), async ({ user, token }, v) => {
    const userOk = typeof user === 'object' && user !== null && validUserId((user as { id?: unknown }).id);
    const tokenOk = (typeof token === 'string' && token.length > 0) || typeof token === 'function';
    fc.pre(!(userOk && tokenOk)); // a valid pair connects (or tries to): the next test
    const client = new StreamVideoClient(ctx.h.c.apiKey, { baseUrl: ctx.h.c.baseUrl, logger: () => {}, ...options(ctx) });
    try {
      await check(ctx, v, 'connectUser: user, token', `connectUser(${show(user)}, ${show(token)})`, true, () =>
        client.connectUser(user as never, token as never),
      );
    } finally {
      await client.disconnectUser();
    }
  });
});

test('connectUser: the profile (name, image, role, custom) with a valid id and token', async (ctx) => {
  const custom = fc.oneof(
    { weight: 2, arbitrary: jsonObjectArb.map((o) => Struct.fromJson(o as never)) },
    { weight: 1, arbitrary: fc.constantFrom<unknown>({ a: 1 }, null, { fields: { x: { kind: { oneofKind: 'numberValue', numberValue: Number.NaN } } } }) },
    { weight: 1, arbitrary: anything },
  );
  // One field of the profile at a time, so that each kind of value shows on its own.
  const profileArb = fc.oneof(
    fc.record({ name: mix(fc.string({ maxLength: 6 })) }),
    fc.record({ imageUrl: mix(fc.webUrl()) }),
    fc.record({ role: mix(fc.constantFrom('user', 'admin')) }),
    fc.record({ custom }),
  );
  let n = 0;
  // Few runs: while a bad profile makes the handshake hang, each such run waits for the connect timeout.
  await target('SDK validation: connectUser profile', profileArb, runs(80), async (profile, v) => {
    const id = `prof-${++n}`;
    const fields = profile as Record<string, unknown>;
    const strings = ['name', 'imageUrl', 'role'].every((k) => fields[k] === undefined || typeof fields[k] === 'string');
    const c = (profile as { custom?: unknown }).custom;
    let customOk = !('custom' in profile) || c === undefined;
    if (!customOk && isPlainObject(c) && isPlainObject((c as { fields?: unknown }).fields)) {
      try {
        Struct.toJson({ fields: c['fields'] } as Struct);
        customOk = true;
      } catch {
        customOk = false;
      }
    }
    const client = new StreamVideoClient(ctx.h.c.apiKey, {
      baseUrl: ctx.h.c.baseUrl,
      logger: () => {},
      ...options(ctx),
      timeouts: { handshakeMs: 150, connectMs: 300 },
    });
    try {
      await check(ctx, v, 'connectUser: profile', `connectUser(${show({ id, ...profile })}, token)`, !strings || !customOk, () =>
        client.connectUser({ id, ...(profile as object) }, () => ctx.h.c.createToken(id)),
      );
    } finally {
      await client.disconnectUser();
    }
  });
});

test('setParticipantIsPinned, on: the arguments', async (ctx) => {
  const inputArb = fc.oneof(
    fc.record({ kind: fc.constant('pin' as const), a: userIdArb, b: mix(fc.boolean()) }),
    fc.record({ kind: fc.constant('on' as const), a: mix(fc.constantFrom('call.ring', '*', 'custom')), b: mix(fc.constant(() => {})) }),
  );
  await target('SDK validation: setParticipantIsPinned and on', inputArb, runs(600), ({ kind, a, b }, v) => {
    if (kind === 'pin') {
      return check(ctx, v, 'setParticipantIsPinned', `setParticipantIsPinned(${show(a)}, ${show(b)})`, !validUserId(a) || typeof b !== 'boolean', () =>
        ctx.alice.setParticipantIsPinned(a as never, b as never),
      );
    }
    return check(ctx, v, 'on', `on(${show(a)}, ${show(b)})`, typeof a !== 'string' || a.length === 0 || typeof b !== 'function', () => {
      const off = ctx.alice.on(a as never, b as never);
      off();
    });
  });
});

test('new StreamVideoClient: the API key, the options and the base URL', async (ctx) => {
  const inputArb = fc.record({
    apiKey: mix(fc.constant('key')),
    opts: fc.oneof({ weight: 4, arbitrary: fc.constant('object' as const) }, { weight: 1, arbitrary: mix(fc.constant(undefined)) }),
    baseUrl: fc.oneof(
      mix(fc.constantFrom(undefined, 'http://127.0.0.1:3030', 'https://video.example.com/base/')),
      fc.constant(new URL('http://127.0.0.1:3030')),
    ),
  });
  await target('SDK validation: constructor', inputArb, runs(600), ({ apiKey, opts, baseUrl }, v) => {
    let urlOk = baseUrl === undefined || baseUrl instanceof URL; // a URL object is taken as its string
    if (typeof baseUrl === 'string') {
      try {
        new URL(baseUrl.replace(/\/+$/, ''));
        urlOk = true;
      } catch {
        urlOk = false;
      }
    }
    const options = opts === 'object' ? { baseUrl, logger: () => {} } : opts;
    const optsOk = opts === 'object' ? urlOk : opts === undefined || (typeof opts === 'object' && opts !== null && !Array.isArray(opts));
    const invalid = typeof apiKey !== 'string' || apiKey.length === 0 || !optsOk;
    return check(
      ctx,
      v,
      'constructor',
      `new StreamVideoClient(${show(apiKey)}, ${show(options)})`,
      invalid,
      () => new StreamVideoClient(apiKey as never, options as never),
      false,
    );
  });
});

test('summary', () => {
  console.log(`fuzz: SDK validation: ${checkedInvalid} invalid inputs, ${checkedValid} valid inputs checked`);
});

test.run();
