/**
 * Fuzzing what a CLIENT sends to the hub, on a raw `ws` socket, before the auth frame, after
 * it and once live: random bytes, text, and valid client frames mutated (bit flips,
 * truncation, insertion, deletion, concatenation). The hub must answer a frame it cannot
 * decode, or one not allowed in the socket's phase, with an `invalid_frame` error frame and
 * close 4000; skip a valid frame of a kind it does not know; refuse bad credentials with an
 * `unauthenticated` error frame and close 4002; and answer the rest as the protocol says. All
 * along, a healthy SDK client keeps receiving its events and the process sees no unhandled
 * rejection and no uncaught exception.
 *
 * What the hub must do is predicted from the same decoder it uses (`ClientFrame.fromBinary`)
 * and, for an auth frame, from the same token check (HS256 with the app secret).
 */
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Struct } from '../../gen/google/protobuf/struct';
import { ClientFrame } from '../../gen/stream/video/coordinator/v1/events';
import { CALL_CONFIG, type StreamVideoClient } from '../../src/index-node';
import { TokenAuthority } from '../../src/testing';
import { CLOSE_CODES } from '../../src/ws/close-codes';
import { RawClient } from '../helpers/channel';
import { concat, fuzz, hex, loud, mutate, mutationArb, runs, unknownFieldArb, watchProcess, type Mutation } from '../helpers/fuzz';
import { Harness } from '../helpers/sdk';
import { User } from '../../gen/stream/video/coordinator/v1/models';
import { fileSuite, until } from '../helpers/common';

const SECRET = 'fuzz-secret';
const WAIT_MS = 3000;
const MALLORY = User.create({ id: 'mallory', name: 'Mallory', imageUrl: '', role: '' });

interface Ctx {
  h: Harness;
  carol: StreamVideoClient;
  carolGot: number[];
  token: string;
  authority: TokenAuthority;
}

const test = fileSuite<Ctx>(import.meta.url, {} as Ctx);

test.before(
  loud(async (ctx) => {
    ctx.h = await Harness.start({ secret: SECRET });
    ctx.authority = new TokenAuthority(SECRET);
    ctx.token = await ctx.h.c.createToken('mallory');
    ctx.carolGot = [];
    ctx.carol = await ctx.h.connect('carol', { callConfig: CALL_CONFIG.meeting });
    ctx.carol.on('custom', (e) => {
      if (typeof e.custom['n'] === 'number') ctx.carolGot.push(e.custom['n']);
    });
  }),
);

test.after(async (ctx) => {
  await ctx.h.close();
});

type Phase = 'before-auth' | 'live';

type Template =
  | {
      frame: 'auth';
      key: 'right' | 'wrong';
      token: 'right' | 'other-user' | 'garbage';
      user: 'right' | 'other' | 'none';
      resume: { fresh: boolean; lastSeq: number; epoch: string } | undefined;
    }
  | { frame: 'healthCheck'; reply: boolean };

const templateArb: fc.Arbitrary<Template> = fc.oneof(
  fc.record({
    frame: fc.constant('auth' as const),
    key: fc.constantFrom('right' as const, 'right' as const, 'wrong' as const),
    token: fc.constantFrom('right' as const, 'right' as const, 'other-user' as const, 'garbage' as const),
    user: fc.constantFrom('right' as const, 'right' as const, 'other' as const, 'none' as const),
    // Any resume point, this epoch or another, in range or not: the hub always answers with a connection ok.
    resume: fc.option(
      fc.record({
        fresh: fc.boolean(),
        lastSeq: fc.oneof(fc.constant(0), fc.nat(5), fc.constant(Number.MAX_SAFE_INTEGER)),
        epoch: fc.constantFrom('', 'current', 'other'),
      }),
      { nil: undefined },
    ),
  }),
  fc.record({ frame: fc.constant('healthCheck' as const), reply: fc.boolean() }),
);

type Recipe =
  | { kind: 'random'; bytes: Uint8Array }
  | { kind: 'text'; text: string }
  | { kind: 'unknown'; fields: Uint8Array[] }
  | { kind: 'frames'; parts: Template[]; mutations: Mutation[] };

const recipeArb: fc.Arbitrary<Recipe> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.string({ maxLength: 40 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), fields: fc.array(unknownFieldArb(4), { minLength: 1, maxLength: 3 }) }) },
  {
    weight: 7,
    arbitrary: fc.record({
      kind: fc.constant('frames' as const),
      parts: fc.array(templateArb, { minLength: 1, maxLength: 3 }),
      mutations: fc.array(mutationArb, { maxLength: 4 }),
    }),
  },
);

const inputArb = fc.record({ phase: fc.constantFrom<Phase>('before-auth', 'live'), recipe: recipeArb });

function encodeTemplate(t: Template, ctx: Ctx, otherToken: string): Uint8Array {
  switch (t.frame) {
    case 'auth': {
      const token = t.token === 'right' ? ctx.token : t.token === 'other-user' ? otherToken : 'eyJhbGciOiJIUzI1NiJ9.e30.garbage';
      const user = t.user === 'right' ? MALLORY : t.user === 'other' ? { ...MALLORY, id: 'trent' } : undefined;
      const resume = t.resume && { ...t.resume, epoch: t.resume.epoch === 'current' ? ctx.h.c.events.epoch : t.resume.epoch };
      return ClientFrame.toBinary({ frame: { oneofKind: 'auth', auth: { apiKey: t.key === 'right' ? ctx.h.c.apiKey : 'not-the-key', token, user, resume } } });
    }
    case 'healthCheck':
      return ClientFrame.toBinary({ frame: { oneofKind: 'healthCheck', healthCheck: { connectionId: 'x', reply: t.reply } } });
  }
}

function materialize(recipe: Recipe, ctx: Ctx, otherToken: string): Uint8Array | string {
  switch (recipe.kind) {
    case 'random':
      return recipe.bytes;
    case 'text':
      return recipe.text;
    case 'unknown':
      return concat(recipe.fields);
    case 'frames':
      return mutate(concat(recipe.parts.map((p) => encodeTemplate(p, ctx, otherToken))), recipe.mutations);
  }
}

/** What the hub must do with one frame. */
type Expected = { kind: 'close'; code: number; error: string } | { kind: 'ignore' } | { kind: 'answer'; frame: 'connectionOk' | 'healthCheck' };

async function expectation(data: Uint8Array | string, phase: Phase, ctx: Ctx): Promise<Expected> {
  const invalid: Expected = { kind: 'close', code: CLOSE_CODES.INVALID_FRAME, error: 'invalid_frame' };
  if (typeof data === 'string') return invalid;
  let frame: ClientFrame;
  try {
    frame = ClientFrame.fromBinary(data);
  } catch {
    return invalid;
  }
  const f = frame.frame;
  if (f.oneofKind === undefined) return { kind: 'ignore' };
  if (phase === 'before-auth') {
    if (f.oneofKind !== 'auth') return invalid;
    const refused: Expected = { kind: 'close', code: CLOSE_CODES.UNAUTHENTICATED, error: 'unauthenticated' };
    if (f.auth.apiKey !== ctx.h.c.apiKey) return refused;
    let userId: string;
    try {
      userId = (await ctx.authority.verify(f.auth.token)).user_id;
    } catch {
      return refused; // no token here expires: any failure is "not valid"
    }
    if (!f.auth.user || f.auth.user.id !== userId) return refused;
    if (f.auth.user.custom) {
      try {
        Struct.toJson(f.auth.user.custom);
      } catch {
        return invalid; // a profile the coordinator could not show to anyone
      }
    }
    return { kind: 'answer', frame: 'connectionOk' };
  }
  if (f.oneofKind === 'auth') return invalid;
  return f.healthCheck.reply ? { kind: 'ignore' } : { kind: 'answer', frame: 'healthCheck' };
}

/** A raw socket brought to `phase` as mallory. */
async function rawIn(ctx: Ctx, phase: Phase): Promise<RawClient> {
  const raw = new RawClient(ctx.h.c.wsUrl);
  await raw.opened;
  if (phase === 'before-auth') return raw;
  raw.send({ oneofKind: 'auth', auth: { apiKey: ctx.h.c.apiKey, token: ctx.token, user: MALLORY } });
  await raw.until(() => raw.framesOf('connectionOk').length === 1, 'connection ok');
  return raw;
}

const replies = (raw: RawClient) => raw.framesOf('healthCheck').filter((f) => f.healthCheck.reply).length;

let n = 0;
/** Publishes an event to carol and waits for it: the coordinator still serves others. */
async function carolStillServed(ctx: Ctx, what: string): Promise<void> {
  const k = ++n;
  ctx.h.c.events.publish(['carol'], 'default:elsewhere', { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ n: k }) } });
  await until(() => ctx.carolGot.includes(k), `${what}: carol to get event ${k}`, WAIT_MS);
}

test('random, text and mutated client frames before auth, after auth and live: error + 4000, 4002, skipped, or answered', async (ctx) => {
  const watch = watchProcess();
  const otherToken = await ctx.h.c.createToken('trent');
  const outcomes = new Map<string, number>();
  try {
    await fuzz(
      'client -> hub frames',
      inputArb,
      async ({ phase, recipe }) => {
        const raw = await rawIn(ctx, phase);
        try {
          const data = materialize(recipe, ctx, otherToken);
          const expected = await expectation(data, phase, ctx);
          const key = `${phase}: ${expected.kind === 'close' ? `close ${expected.code}` : expected.kind === 'answer' ? expected.frame : 'skipped'}`;
          outcomes.set(key, (outcomes.get(key) ?? 0) + 1);
          const what = `${phase}, ${typeof data === 'string' ? `text ${JSON.stringify(data)}` : `bytes ${hex(data)}`} -> ${JSON.stringify(expected)}`;
          const framesBefore = raw.frames.length;
          const repliesBefore = replies(raw);
          raw.ws.send(data);
          if (expected.kind === 'close') {
            const { code } = await raw.closed;
            assert.is(code, expected.code, `${what}: close code`);
            const after = raw.frames.slice(framesBefore);
            const last = after[after.length - 1]?.frame;
            assert.ok(last?.oneofKind === 'error', `${what}: an error frame before the close, got ${after.map((f) => f.frame.oneofKind).join(',')}`);
            assert.is(last.oneofKind === 'error' && last.error.code, expected.error, `${what}: the error frame's code`);
            assert.ok(last.oneofKind === 'error' && !last.error.message.includes(ctx.token), `${what}: the error does not echo the token`);
          } else {
            if (expected.kind === 'answer') {
              const kind = expected.frame;
              await raw.until(() => raw.frames.slice(framesBefore).some((f) => f.frame.oneofKind === kind), `${what}: the answer ${kind}`, WAIT_MS);
            }
            // Still open and served: a probe is answered (after auth), or an auth is accepted.
            if (phase === 'before-auth' && expected.kind === 'ignore') {
              raw.send({ oneofKind: 'auth', auth: { apiKey: ctx.h.c.apiKey, token: ctx.token, user: MALLORY } });
              await raw.until(() => raw.framesOf('connectionOk').length === 1, `${what}: then an auth accepted`, WAIT_MS);
            } else {
              const before = replies(raw);
              raw.send({ oneofKind: 'healthCheck', healthCheck: { connectionId: '', reply: false } });
              await raw.until(() => replies(raw) > before, `${what}: then a probe answered`, WAIT_MS);
              assert.ok(replies(raw) - repliesBefore <= 2, `${what}: at most one answer per probe`);
            }
            assert.is(raw.close, undefined, `${what}: the socket stays open`);
            assert.not.ok(
              raw.frames.slice(framesBefore).some((f) => f.frame.oneofKind === 'error'),
              `${what}: no error frame`,
            );
          }
          await carolStillServed(ctx, what);
          watch.assertClean(what);
        } finally {
          await raw.end();
        }
      },
      { numRuns: runs(1200) },
    );
  } finally {
    watch.stop();
    console.log(`fuzz: client -> hub frames: outcomes ${JSON.stringify(Object.fromEntries([...outcomes].sort()))}`);
  }
  await until(
    () => ctx.h.c.hub.connectionCount === 1,
    () => `only carol's socket left (${ctx.h.c.hub.connectionCount})`,
  );
});

test('many frames in a row on one live socket: the hub stops at the first bad one and never crashes', async (ctx) => {
  const watch = watchProcess();
  try {
    await fuzz(
      'client -> hub frame sequences',
      fc.array(recipeArb, { minLength: 2, maxLength: 8 }),
      async (recipes) => {
        const raw = await rawIn(ctx, 'live');
        try {
          let closedBy: Expected | undefined;
          for (const recipe of recipes) {
            const data = materialize(recipe, ctx, ctx.token);
            const expected = await expectation(data, 'live', ctx);
            raw.ws.send(data);
            if (expected.kind === 'close') {
              closedBy = expected;
              break;
            }
          }
          if (closedBy) {
            const { code } = await raw.closed;
            assert.is(code, (closedBy as { code: number }).code, 'the close code of the first bad frame');
          } else {
            const before = replies(raw);
            raw.send({ oneofKind: 'healthCheck', healthCheck: { connectionId: '', reply: false } });
            await raw.until(() => replies(raw) > before, 'a probe answered after the sequence', WAIT_MS);
          }
          await carolStillServed(ctx, `after ${recipes.length} frames`);
          watch.assertClean('sequence');
        } finally {
          await raw.end();
        }
      },
      { numRuns: runs(300) },
    );
  } finally {
    watch.stop();
  }
});

test('a frame over the size limit: frame_too_large, then close 4006; the hub goes on', async (ctx) => {
  const watch = watchProcess();
  try {
    for (const phase of ['before-auth', 'live'] as const) {
      const raw = await rawIn(ctx, phase);
      raw.ws.send(new Uint8Array(64 * 1024 + 1));
      const { code } = await raw.closed;
      assert.is(code, CLOSE_CODES.FRAME_TOO_LARGE, `${phase}: close code`);
      assert.is(raw.framesOf('error')[0]?.error.code, 'frame_too_large', `${phase}: error frame`);
      await carolStillServed(ctx, `oversized frame ${phase}`);
    }
    watch.assertClean('oversized frames');
  } finally {
    watch.stop();
  }
});

test('an auth frame whose profile holds what JSON cannot (NaN, a Value of no kind): invalid_frame, 4000, the profile is not kept', async (ctx) => {
  const watch = watchProcess();
  try {
    for (const value of [{ kind: { oneofKind: 'numberValue' as const, numberValue: Number.NaN } }, { kind: { oneofKind: undefined } }]) {
      const raw = new RawClient(ctx.h.c.wsUrl);
      await raw.opened;
      raw.send({
        oneofKind: 'auth',
        auth: { apiKey: ctx.h.c.apiKey, token: ctx.token, user: { ...MALLORY, name: 'Poisoned', custom: { fields: { x: value } } } },
      });
      const { code } = await raw.closed;
      assert.is(code, CLOSE_CODES.INVALID_FRAME);
      assert.is(raw.framesOf('error')[0]?.error.code, 'invalid_frame');
      assert.equal(raw.framesOf('connectionOk'), []);
      assert.is.not(ctx.h.c.state.users.get('mallory').name, 'Poisoned', 'the profile was not stored');
    }
    await carolStillServed(ctx, 'after poisoned profiles');
    watch.assertClean('poisoned profiles');
  } finally {
    watch.stop();
  }
});

test.run();
