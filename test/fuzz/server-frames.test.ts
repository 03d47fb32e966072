/**
 * Fuzzing what the SERVER sends to a connected SDK client: random bytes, text, and valid frames
 * mutated (bit flips, truncation, insertion, deletion, concatenation), injected with
 * `hub.faults.sendRaw`. After each input the coordinator publishes a real event, which must
 * arrive with the next sequence number, exactly once; nothing may reach the process as an
 * unhandled rejection or an uncaught exception; and the client's store must be the same as
 * before the input. Valid frames of kinds the SDK does not know are skipped (an unknown event
 * kind still takes its sequence number).
 *
 * How the client treats a frame is predicted from the same decoder it uses:
 * - not a ServerFrame (or text): skipped, counted in `stats.malformedFrames`;
 * - a ServerFrame of no known kind: skipped;
 * - an event at or below the last seq: dropped as a duplicate;
 * - an event past the next seq: a gap, the client resumes on a new socket and gets the real
 *   events replayed;
 * - an event of an unknown kind at exactly the next seq: takes that seq, so the coordinator
 *   publishes one filler event first (the client drops it as a duplicate), then the real one;
 * - a known event at exactly the next seq is indistinguishable from a real one: those inputs
 *   are discarded here (`fc.pre`) and fuzzed on their own below, without the store check;
 * - connection_ok, error, health_check, resume_result while live: must not disturb delivery
 *   (a connection_ok or resume_result may cost a new socket, nothing else may).
 *
 * Known failures of the SDK show here as failing tests, each with its counterexample: a
 * resume_result after the handshake rewrites the last seq (events lost or repeated), and a
 * custom event whose Struct holds NaN, Infinity or a Value of no kind throws out of the socket
 * handler (an uncaught exception in Node).
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { Struct, type Value } from '../../gen/google/protobuf/struct';
import { WebSocket as WsWebSocket } from 'ws';
import { CallRejected, ClientFrame, Event, ResumeStatus, ServerFrame } from '../../gen/stream/video/coordinator/v1/events';
import type { CallState, User } from '../../gen/stream/video/coordinator/v1/models';
import { CALL_CONFIG, ExponentialBackoff, type ClientProbe, type StreamVideoClient } from '../../src/index-node';
import { inspectClient, webSocketOf } from '../../src/testing';
import { Harness, until, type ClientSetup } from '../helpers/sdk';
import { concat, field, fuzz, hex, loud, mutate, mutationArb, runs, storeSnapshot, unknownFieldArb, watchProcess, WIRE, type Mutation } from '../helpers/fuzz';

const WAIT_MS = 3000;

/** A connected SDK client and what it saw. */
interface Watched {
  userId: string;
  client: StreamVideoClient;
  logs: string[];
  /** Markers of the real events published to the user, in order. */
  published: number[];
  /** Markers the client received, in order. */
  received: number[];
  /** Every seq the client's listeners saw, in order. */
  seqs: number[];
  probes: Probes;
}

interface Ctx {
  h: Harness;
  alice: StreamVideoClient;
  bob: Watched;
  roomState: CallState;
  user: User;
}

const test = suite<Ctx>('fuzz: frames from the server', {} as Ctx);

/**
 * Health checks of the client, numbered across its sockets: `answered` is the highest number
 * of a probe the hub answered. A probe sent after some moment and answered proves that the hub
 * has handled everything the client sent before it (or closed that socket, and the client is
 * live on a new one): a barrier for what a forged frame made the client send.
 */
interface Probes {
  sent: number;
  answered: number;
}

/** Client options: a fast reconnect, probes every 25 ms, and a WebSocket that numbers them. */
const setup = (logs: string[], probes: Probes = { sent: 0, answered: 0 }): ClientSetup => ({
  callConfig: CALL_CONFIG.meeting,
  opts: {
    logger: (level, message, extra) => logs.push(`${level} ${message} ${JSON.stringify(extra ?? {})}`),
    logLevel: 'debug',
    reconnectPolicy: new ExponentialBackoff({ baseMs: 5, maxMs: 20 }),
    timeouts: { edgeMeasurementMs: 500 },
    healthCheckIntervalMs: 25,
    WebSocket: webSocketOf(
      (url) =>
        new (class extends WsWebSocket {
          private readonly mine: number[] = [];
          constructor(url: string) {
            super(url);
            this.on('message', (data: ArrayBuffer | Buffer) => {
              let frame: ServerFrame;
              try {
                frame = ServerFrame.fromBinary(new Uint8Array(data));
              } catch {
                return;
              }
              if (frame.frame.oneofKind === 'healthCheck' && frame.frame.healthCheck.reply) probes.answered = Math.max(probes.answered, this.mine.shift() ?? 0);
            });
          }
          override send(data: Uint8Array, ...rest: unknown[]): void {
            try {
              const frame = ClientFrame.fromBinary(data);
              if (frame.frame.oneofKind === 'healthCheck' && !frame.frame.healthCheck.reply && this.readyState === WsWebSocket.OPEN)
                this.mine.push(++probes.sent);
            } catch {
              // not a frame of ours to count
            }
            (super.send as (...args: unknown[]) => void)(data, ...rest);
          }
        })(url),
    ),
  },
});

/** Connects `userId` and records what its client sees. */
async function watched(h: Harness, userId: string): Promise<Watched> {
  const w: Watched = { userId, client: undefined as never, logs: [], published: [], received: [], seqs: [], probes: { sent: 0, answered: 0 } };
  w.client = await h.connect(userId, setup(w.logs, w.probes));
  w.client.on('*', (e) => {
    if ('seq' in e) w.seqs.push(e.seq);
    if (e.type === 'custom' && typeof e.custom['marker'] === 'number') w.received.push(e.custom['marker']);
  });
  return w;
}

test.before(
  loud(async (ctx) => {
    ctx.h = await Harness.start();
    ctx.alice = await ctx.h.connect('alice', setup([]));
    await ctx.alice.getOrCreateCall('fz-ring', 'default', { members: [{ userId: 'bob' }], ring: true });
    ctx.bob = await watched(ctx.h, 'bob');
    const bob = ctx.bob.client;
    // A store with something in every part: a ringing call, an active call with a remote
    // participant pinned, a permission request.
    await until(() => bob.readOnlyStateStore.incomingCalls$.get().length === 1, 'bob sees the ring');
    await bob.joinCall('fz-room', 'default', { members: [{ userId: 'alice' }] });
    await ctx.alice.joinCall('fz-room', 'default');
    await until(() => bob.readOnlyStateStore.participants$.get().size === 2, 'bob sees alice join');
    const aliceSession = bob.readOnlyStateStore.remoteParticipants$.get().toArray()[0].sessionId;
    bob.setParticipantIsPinned(aliceSession, true);
    await ctx.alice.requestCallPermissions('fz-room', 'default', { permissions: ['screenshare'] });
    await until(() => bob.readOnlyStateStore.callPermissionRequest$.get() !== undefined, 'bob sees the permission request');
    ctx.roomState = ctx.h.c.state.calls.get('default:fz-room')!.toState('bob', ctx.h.c.state.users);
    ctx.user = ctx.h.c.state.users.get('alice');
  }),
);

test.after(async (ctx) => {
  await ctx.h.close();
});

function connectionOf(client: StreamVideoClient): NonNullable<ClientProbe['connection']> {
  return inspectClient(client).connection!;
}

let marker = 0;
function markerPayload(n: number): Event['payload'] {
  return { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ marker: n }) } };
}

/** Publishes a real event to `w`'s user, returns its marker. */
function publishReal(ctx: Ctx, w: Watched): number {
  const n = ++marker;
  w.published.push(n);
  ctx.h.c.events.publish([w.userId], 'default:fz-room', markerPayload(n));
  return n;
}

/** Publishes an event whose seq the client has already consumed (it must be dropped). */
function publishFiller(ctx: Ctx, w: Watched): void {
  ctx.h.c.events.publish([w.userId], 'default:fz-room', { oneofKind: 'custom', custom: { user: undefined, custom: Struct.fromJson({ filler: true }) } });
}

// ---- what the server might send: templates ---------------------------------------------------

type SeqChoice = 'dup' | 'older' | 'zero' | 'gap' | 'far' | 'max-safe' | 'next';
const EVENT_KINDS = [
  'callCreated',
  'callRing',
  'callAccepted',
  'callRejected',
  'callCancelled',
  'callEnded',
  'callUpdated',
  'callMembersUpdated',
  'participantJoined',
  'participantLeft',
  'dominantSpeakerChanged',
  'permissionRequest',
  'permissionsUpdated',
  'recordingStarted',
  'recordingStopped',
  'custom',
] as const;
type EventKind = (typeof EVENT_KINDS)[number];

type Template =
  | { frame: 'connectionOk'; interval: number }
  | { frame: 'error'; code: string }
  | { frame: 'healthCheck'; reply: boolean }
  | { frame: 'resumed'; status: ResumeStatus; seq: SeqChoice }
  | { frame: 'event'; kind: EventKind; seq: SeqChoice; cid: 'room' | 'ring' | 'other' };

function seqOf(choice: SeqChoice, last: number): number {
  switch (choice) {
    case 'dup':
      return last;
    case 'older':
      return Math.max(0, last - 3);
    case 'zero':
      return 0;
    case 'gap':
      return last + 2;
    case 'far':
      return last + 100_000;
    case 'max-safe':
      return Number.MAX_SAFE_INTEGER;
    case 'next':
      return last + 1;
  }
}

function payloadOf(kind: EventKind, ctx: Ctx): Event['payload'] {
  const state = ctx.roomState;
  const user = ctx.user;
  const participant = state.participants[0];
  switch (kind) {
    case 'callCreated':
      return { oneofKind: kind, callCreated: { call: state } };
    case 'callRing':
      return { oneofKind: kind, callRing: { call: state, user } };
    case 'callAccepted':
      return { oneofKind: kind, callAccepted: { user } };
    case 'callRejected':
      return { oneofKind: kind, callRejected: CallRejected.create({ user }) };
    case 'callCancelled':
      return { oneofKind: kind, callCancelled: { user } };
    case 'callEnded':
      return { oneofKind: kind, callEnded: { user } };
    case 'callUpdated':
      return { oneofKind: kind, callUpdated: { call: state.call } };
    case 'callMembersUpdated':
      return { oneofKind: kind, callMembersUpdated: { call: state.call, members: state.members, removedUserIds: ['alice'] } };
    case 'participantJoined':
      return { oneofKind: kind, participantJoined: { participant } };
    case 'participantLeft':
      return { oneofKind: kind, participantLeft: { participant } };
    case 'dominantSpeakerChanged':
      return { oneofKind: kind, dominantSpeakerChanged: { userId: 'alice', sessionId: participant.sessionId } };
    case 'permissionRequest':
      return { oneofKind: kind, permissionRequest: { user, permissions: ['send-audio', 'screenshare'] } };
    case 'permissionsUpdated':
      return { oneofKind: kind, permissionsUpdated: { userId: 'bob', ownCapabilities: ['read-call'] } };
    case 'recordingStarted':
      return { oneofKind: kind, recordingStarted: { user } };
    case 'recordingStopped':
      return { oneofKind: kind, recordingStopped: { user } };
    case 'custom':
      return { oneofKind: kind, custom: { user, custom: Struct.fromJson({ a: 1.5, b: 'text', c: [true, null, { d: -2 }] }) } };
  }
}

function encodeTemplate(t: Template, ctx: Ctx, last: number): Uint8Array {
  switch (t.frame) {
    case 'connectionOk':
      return ServerFrame.toBinary({
        frame: {
          oneofKind: 'connectionOk',
          connectionOk: { connectionId: 'forged', user: ctx.user, healthCheckIntervalMs: t.interval, ringingCalls: [], edges: [] },
        },
      });
    case 'error':
      return ServerFrame.toBinary({ frame: { oneofKind: 'error', error: { code: t.code, message: 'forged error' } } });
    case 'healthCheck':
      return ServerFrame.toBinary({ frame: { oneofKind: 'healthCheck', healthCheck: { connectionId: 'forged', reply: t.reply } } });
    case 'resumed': {
      // A connection ok with a resume result, forged while live: out of turn, skipped.
      const resume = { status: t.status, lastSeq: seqOf(t.seq, last), replayed: 1, epoch: 'forged' };
      return ServerFrame.toBinary({
        frame: {
          oneofKind: 'connectionOk',
          connectionOk: { connectionId: 'forged', user: ctx.user, healthCheckIntervalMs: 0, resume, ringingCalls: [], edges: [] },
        },
      });
    }
    case 'event': {
      const cid = t.cid === 'room' ? 'default:fz-room' : t.cid === 'ring' ? 'default:fz-ring' : 'default:elsewhere';
      const event: Event = { seq: seqOf(t.seq, last), createdAt: { seconds: 1700000000, nanos: 5 }, callCid: cid, payload: payloadOf(t.kind, ctx) };
      return ServerFrame.toBinary({ frame: { oneofKind: 'event', event } });
    }
  }
}

/** Sequence numbers of templates for the first property: never exactly the next one. */
const harmlessSeq = fc.constantFrom<SeqChoice>('dup', 'older', 'zero', 'gap', 'far', 'max-safe');

const templateArb = (seq: fc.Arbitrary<SeqChoice>): fc.Arbitrary<Template> =>
  fc.oneof(
    { weight: 1, arbitrary: fc.record({ frame: fc.constant('connectionOk' as const), interval: fc.constantFrom(0, 1, 20, 10_000, 2 ** 32 - 1) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        frame: fc.constant('error' as const),
        code: fc.constantFrom('unauthenticated', 'token_expired', 'invalid_frame', 'internal', ''),
      }),
    },
    { weight: 1, arbitrary: fc.record({ frame: fc.constant('healthCheck' as const), reply: fc.boolean() }) },
    {
      weight: 1,
      arbitrary: fc.record({
        frame: fc.constant('resumed' as const),
        status: fc.constantFrom(ResumeStatus.UNSPECIFIED, ResumeStatus.FRESH, ResumeStatus.REPLAYED, ResumeStatus.RESYNC_REQUIRED),
        seq: fc.constantFrom<SeqChoice>('dup', 'older', 'zero', 'gap', 'far', 'next'),
      }),
    },
    {
      weight: 6,
      arbitrary: fc.record({
        frame: fc.constant('event' as const),
        kind: fc.constantFrom(...EVENT_KINDS),
        seq,
        cid: fc.constantFrom('room' as const, 'ring' as const, 'other' as const),
      }),
    },
  );

type Recipe = { kind: 'random'; bytes: Uint8Array } | { kind: 'text'; text: string } | { kind: 'frames'; parts: Template[]; mutations: Mutation[] };

const recipeArb: fc.Arbitrary<Recipe> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ kind: fc.constant('random' as const), bytes: fc.uint8Array({ maxLength: 300 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('text' as const), text: fc.string({ maxLength: 40 }) }) },
  {
    weight: 8,
    arbitrary: fc.record({
      kind: fc.constant('frames' as const),
      parts: fc.array(templateArb(harmlessSeq), { minLength: 1, maxLength: 3 }),
      mutations: fc.array(mutationArb, { maxLength: 4 }),
    }),
  },
);

function materialize(recipe: Recipe, ctx: Ctx, last: number): Uint8Array | string {
  if (recipe.kind === 'random') return recipe.bytes;
  if (recipe.kind === 'text') return recipe.text;
  return mutate(concat(recipe.parts.map((p) => encodeTemplate(p, ctx, last))), recipe.mutations);
}

// ---- how the client must treat it --------------------------------------------------------------

type Expected = { kind: 'malformed' } | { kind: 'unknown-frame' } | { kind: 'event'; seq: number; known: boolean } | { kind: 'control'; frame: string };

function expectation(data: Uint8Array | string): Expected {
  if (typeof data === 'string') return { kind: 'malformed' };
  let frame: ServerFrame;
  try {
    frame = ServerFrame.fromBinary(data);
  } catch {
    return { kind: 'malformed' };
  }
  const f = frame.frame;
  if (f.oneofKind === undefined) return { kind: 'unknown-frame' };
  if (f.oneofKind === 'event') return { kind: 'event', seq: f.event.seq, known: f.event.payload.oneofKind !== undefined };
  return { kind: 'control', frame: f.oneofKind };
}

function describeInput(data: Uint8Array | string, expected: Expected): string {
  const body = typeof data === 'string' ? `text ${JSON.stringify(data)}` : `bytes ${hex(data)}`;
  let decoded = '';
  if (typeof data !== 'string' && expected.kind !== 'malformed') {
    try {
      decoded = ` decoded ${ServerFrame.toJsonString(ServerFrame.fromBinary(data)).slice(0, 400)}`;
    } catch (err) {
      decoded = ` (decoded, but not printable as JSON: ${String(err)})`;
    }
  }
  return `${body} -> ${JSON.stringify(expected)}${decoded}`;
}

/**
 * Waits until the client is live on exactly one socket the hub knows; with `barrier`, also
 * until the hub has handled everything the client sent so far (a probe sent from now on was
 * answered, on this socket or on the next one if the hub closed this one).
 */
async function settled(ctx: Ctx, w: Watched, barrier = false): Promise<void> {
  const conn = connectionOf(w.client);
  const from = barrier ? w.probes.sent : -1;
  await until(
    () => w.probes.answered > from && w.client.readOnlyStateStore.connectionState$.get() === 'connected' && ctx.h.c.hub.connectionsOf(w.userId) === 1,
    () =>
      `${w.userId} settled (probes sent ${w.probes.sent}, answered up to ${w.probes.answered} of > ${from}; state ${w.client.readOnlyStateStore.connectionState$.get()}, hub sockets ${ctx.h.c.hub.connectionsOf(w.userId)})`,
    WAIT_MS,
  );
}

/**
 * Injects `data` to `w`'s sockets, publishes a real event (after a filler when the input takes
 * the next seq), waits for it and checks it came with the coordinator's seq, once, in order,
 * with no process error; then checks the sockets the client opened meanwhile.
 */
async function injectAndProbe(
  ctx: Ctx,
  w: Watched,
  data: Uint8Array | string,
  takesNextSeq: boolean,
  watch: ReturnType<typeof watchProcess>,
  what: string,
  /** Whether the client must resume on a new socket, must not, or may. */
  reconnects: 'yes' | 'no' | 'maybe' = 'no',
): Promise<void> {
  const conn = connectionOf(w.client);
  await settled(ctx, w);
  const socketsBefore = conn.stats.sockets;
  const sent = ctx.h.c.hub.faults.sendRaw(w.userId, data);
  assert.ok(sent >= 1, `${what}: the hub had no socket of ${w.userId} to send to`);
  if (takesNextSeq) publishFiller(ctx, w);
  const n = publishReal(ctx, w);
  const expectedSeq = ctx.h.c.events.log(w.userId).seq;
  await until(
    () => w.received.includes(n) || watch.errors.length > 0,
    () =>
      `${what}: the real event #${n} (seq ${expectedSeq}) to arrive; client lastSeq=${conn.lastSeq} state=${w.client.readOnlyStateStore.connectionState$.get()} stats=${JSON.stringify(conn.stats)} last logs=${w.logs.slice(-3).join(' | ')}`,
    WAIT_MS,
  );
  watch.assertClean(what);
  assert.is(conn.lastSeq, expectedSeq, `${what}: the client's last seq`);
  assert.is(w.seqs[w.seqs.length - 1], expectedSeq, `${what}: the real event arrived with seq ${expectedSeq}`);
  assert.equal(w.received, w.published, `${what}: every real event arrived once, in order`);
  // 'maybe': what the frame made the client send (a second resume, for a connection_ok) may
  // make the hub close the socket; wait until the hub has handled it.
  await settled(ctx, w, reconnects === 'maybe');
  if (reconnects === 'maybe') assert.ok(conn.stats.sockets <= socketsBefore + 1, `${what}: at most one new socket (${conn.stats.sockets - socketsBefore})`);
  else assert.is(conn.stats.sockets, socketsBefore + (reconnects === 'yes' ? 1 : 0), `${what}: sockets opened ${w.logs.slice(-6).join(' | ')}`);
}

test('random bytes, text and mutated frames from the server: skipped, delivery goes on, the store is unchanged', async (ctx) => {
  const watch = watchProcess();
  const bob = ctx.bob;
  const conn = connectionOf(bob.client);
  let skippedNextSeq = 0;
  const outcomes = new Map<string, number>();
  try {
    await fuzz(
      'server -> client frames',
      recipeArb,
      async (recipe) => {
        if (bob.client.readOnlyStateStore.connectionState$.get() !== 'connected')
          await until(() => bob.client.readOnlyStateStore.connectionState$.get() === 'connected', 'bob connected again', WAIT_MS);
        const last = conn.lastSeq!;
        const data = materialize(recipe, ctx, last);
        const expected = expectation(data);
        if (expected.kind === 'event' && expected.known && expected.seq === last + 1) {
          skippedNextSeq++;
          fc.pre(false); // a valid event at the next seq: fuzzed below, without the store check
        }
        const label =
          expected.kind === 'event'
            ? `event ${expected.seq <= last ? 'duplicate' : expected.seq === last + 1 ? 'unknown kind, next seq' : 'gap'}`
            : expected.kind === 'control'
              ? expected.frame
              : expected.kind;
        outcomes.set(label, (outcomes.get(label) ?? 0) + 1);
        const what = describeInput(data, expected);
        const before = storeSnapshot(bob.client.readOnlyStateStore);
        const malformedBefore = conn.stats.malformedFrames;
        // A gap makes the client resume on a new socket; a handshake frame while live
        // (connection_ok, resume_result) may, depending on how the client and hub treat it;
        // anything else must leave the socket alone.
        const gap = expected.kind === 'event' && expected.seq > last + 1;
        const handshake = expected.kind === 'control' && expected.frame === 'connectionOk';
        await injectAndProbe(
          ctx,
          bob,
          data,
          expected.kind === 'event' && !expected.known && expected.seq === last + 1,
          watch,
          what,
          gap ? 'yes' : handshake ? 'maybe' : 'no',
        );
        if (expected.kind === 'malformed') assert.is(conn.stats.malformedFrames, malformedBefore + 1, `${what}: counted as malformed`);
        else assert.is(conn.stats.malformedFrames, malformedBefore, `${what}: not counted as malformed`);
        assert.is(storeSnapshot(bob.client.readOnlyStateStore), before, `${what}: the store changed`);
      },
      { numRuns: runs(400) },
    );
  } finally {
    watch.stop();
    console.log(
      `fuzz: server -> client frames: outcomes ${JSON.stringify(Object.fromEntries(outcomes))}; ${skippedNextSeq} valid events at the next seq left to a later test`,
    );
  }
  // Every real event arrived exactly once, in order; no filler was delivered.
  assert.equal(bob.received, bob.published);
  for (let i = 1; i < bob.seqs.length; i++) assert.ok(bob.seqs[i] > bob.seqs[i - 1], `seqs increase: ${bob.seqs.slice(Math.max(0, i - 3), i + 2)}`);
  assert.ok(bob.published.length >= runs(400) / 2, `real events checked: ${bob.published.length}`);
});

test('valid frames of unknown kinds are skipped; an unknown event kind takes its seq and is not delivered', async (ctx) => {
  const erin = await watched(ctx.h, 'erin');
  const watch = watchProcess();
  const conn = connectionOf(erin.client);
  const unknownArb = fc.record({
    // where the unknown fields go: a ServerFrame of no known kind, an event with an unknown
    // payload, or known frames with unknown fields inside
    where: fc.constantFrom('frame', 'event-payload', 'inside-health-check', 'inside-event'),
    // ServerFrame and HealthCheck use field numbers up to 5, Event up to its schema's largest
    fields: fc.array(unknownFieldArb(6), { minLength: 1, maxLength: 4 }),
    payloadFields: fc.array(unknownFieldArb(Math.max(...Event.fields.map((f) => f.no)) + 1), { minLength: 1, maxLength: 3 }),
  });
  try {
    await fuzz(
      'server -> client unknown kinds',
      unknownArb,
      async ({ where, fields, payloadFields }) => {
        if (erin.client.readOnlyStateStore.connectionState$.get() !== 'connected')
          await until(() => erin.client.readOnlyStateStore.connectionState$.get() === 'connected', 'erin connected again', WAIT_MS);
        const last = conn.lastSeq!;
        const cid = field(3, WIRE.LEN, Buffer.from('default:fz-room'));
        let data: Uint8Array;
        let takesSeq = false;
        if (where === 'frame') {
          data = concat(fields);
        } else if (where === 'event-payload') {
          // seq (the next one), call_cid, then only payload fields this SDK does not know
          data = field(4, WIRE.LEN, concat([field(1, WIRE.VARINT, last + 1), cid, ...payloadFields]));
          takesSeq = true;
        } else if (where === 'inside-health-check') {
          data = field(3, WIRE.LEN, concat([...fields, field(2, WIRE.VARINT, 1)]));
        } else {
          // an event at the last seq (a duplicate) with unknown fields in it: dropped
          data = field(4, WIRE.LEN, concat([field(1, WIRE.VARINT, last), ...payloadFields, cid]));
        }
        const decoded = ServerFrame.fromBinary(data); // these are valid frames: they must decode
        if (where === 'frame') assert.is(decoded.frame.oneofKind, undefined);
        if (where === 'event-payload') assert.is(decoded.frame.oneofKind === 'event' && decoded.frame.event.payload.oneofKind, undefined);
        const what = `${where}: ${hex(data)}`;
        const before = storeSnapshot(erin.client.readOnlyStateStore);
        const malformedBefore = conn.stats.malformedFrames;
        const seqsBefore = erin.seqs.length;
        await injectAndProbe(ctx, erin, data, takesSeq, watch, what);
        assert.is(conn.stats.malformedFrames, malformedBefore, `${what}: a valid frame is not malformed`);
        assert.is(erin.seqs.length, seqsBefore + 1, `${what}: only the real event was delivered`);
        assert.is(storeSnapshot(erin.client.readOnlyStateStore), before, `${what}: the store changed`);
      },
      { numRuns: runs(150) },
    );
  } finally {
    watch.stop();
    await erin.client.disconnectUser();
  }
});

// ---- valid events at the next seq, with mutated or odd payloads ----------------------------------

/** A google.protobuf.Value of any kind, including what JSON cannot hold (NaN, no kind at all). */
const valueArb: fc.Arbitrary<Value> = fc.letrec<{ value: Value; struct: Struct }>((tie) => ({
  value: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<Value>({ kind: { oneofKind: undefined } }),
    fc.constant<Value>({ kind: { oneofKind: 'nullValue', nullValue: 0 } }),
    fc.double().map<Value>((numberValue) => ({ kind: { oneofKind: 'numberValue', numberValue } })),
    fc.string({ maxLength: 8 }).map<Value>((stringValue) => ({ kind: { oneofKind: 'stringValue', stringValue } })),
    fc.boolean().map<Value>((boolValue) => ({ kind: { oneofKind: 'boolValue', boolValue } })),
    tie('struct').map<Value>((structValue) => ({ kind: { oneofKind: 'structValue', structValue } })),
    fc.array(tie('value'), { maxLength: 3 }).map<Value>((values) => ({ kind: { oneofKind: 'listValue', listValue: { values } } })),
  ),
  struct: fc.dictionary(fc.string({ maxLength: 6 }), tie('value'), { maxKeys: 3 }).map<Struct>((fields) => ({ fields })),
})).value;

type NextRecipe = { kind: 'mutated'; template: EventKind; mutations: Mutation[] } | { kind: 'custom'; fields: Record<string, Value> };

const nextRecipeArb: fc.Arbitrary<NextRecipe> = fc.oneof(
  {
    weight: 3,
    arbitrary: fc.record({
      kind: fc.constant('mutated' as const),
      template: fc.constantFrom(...EVENT_KINDS),
      mutations: fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
    }),
  },
  {
    weight: 1,
    arbitrary: fc.record({ kind: fc.constant('custom' as const), fields: fc.dictionary(fc.string({ maxLength: 6 }), valueArb, { minKeys: 1, maxKeys: 3 }) }),
  },
);

test('events at the next seq with mutated or odd payloads (NaN, values of no kind): no crash, delivery goes on', async (ctx) => {
  // A client of its own: these events are folded into its store, which may change.
  const carol = await watched(ctx.h, 'carol');
  const conn = connectionOf(carol.client);
  const watch = watchProcess();
  let decodedAsEvents = 0;
  try {
    await fuzz(
      'server -> client events at the next seq',
      nextRecipeArb,
      async (recipe) => {
        if (carol.client.readOnlyStateStore.connectionState$.get() !== 'connected')
          await until(() => carol.client.readOnlyStateStore.connectionState$.get() === 'connected', 'carol connected again', WAIT_MS);
        const last = conn.lastSeq!;
        let event: Event;
        if (recipe.kind === 'custom') {
          event = {
            seq: last + 1,
            callCid: 'default:fz-room',
            createdAt: undefined,
            payload: { oneofKind: 'custom', custom: { user: ctx.user, custom: { fields: recipe.fields } } },
          };
        } else {
          const template = Event.toBinary({ seq: 7, callCid: 'default:fz-room', createdAt: undefined, payload: payloadOf(recipe.template, ctx) });
          let decoded: Event | undefined;
          try {
            decoded = Event.fromBinary(mutate(template, recipe.mutations));
          } catch {
            decoded = undefined;
          }
          fc.pre(decoded !== undefined); // bytes that are no event are the first test's business
          event = decoded!;
          event.seq = last + 1;
        }
        decodedAsEvents++;
        const data = ServerFrame.toBinary({ frame: { oneofKind: 'event', event } });
        const what = `event ${describeInput(data, expectation(data))}`;
        await injectAndProbe(ctx, carol, data, true, watch, what);
        assert.is(carol.seqs[carol.seqs.length - 1], last + 2, `${what}: the real event came right after the odd one`);
      },
      { numRuns: runs(300) },
    );
  } finally {
    watch.stop();
    console.log(`fuzz: server -> client events at the next seq: ${decodedAsEvents} decoded as events`);
    await carol.client.disconnectUser();
  }
});

test('a connection ok with any resume result after the handshake does not move the last seq (no event lost or repeated)', async (ctx) => {
  const frank = await watched(ctx.h, 'frank');
  const watch = watchProcess();
  const conn = connectionOf(frank.client);
  try {
    for (let i = 0; i < 3; i++) publishReal(ctx, frank);
    await until(() => frank.received.length === 3, 'frank gets 3 events');
    for (const status of [ResumeStatus.FRESH, ResumeStatus.RESYNC_REQUIRED, ResumeStatus.REPLAYED]) {
      for (const delta of [+50, -2]) {
        const last = conn.lastSeq!;
        const resume = { status, lastSeq: Math.max(0, last + delta), replayed: 0, epoch: 'forged' };
        const data = ServerFrame.toBinary({
          frame: {
            oneofKind: 'connectionOk',
            connectionOk: { connectionId: 'forged', user: undefined, healthCheckIntervalMs: 0, resume, ringingCalls: [], edges: [] },
          },
        });
        await injectAndProbe(
          ctx,
          frank,
          data,
          false,
          watch,
          `connection ok with resume status ${ResumeStatus[status]} lastSeq ${last + delta} while live at seq ${last}`,
          'maybe',
        );
      }
    }
  } finally {
    watch.stop();
    await frank.client.disconnectUser();
  }
});

test('a custom event whose Struct holds NaN, Infinity or a Value of no kind does not throw out of the socket handler', async (ctx) => {
  const gina = await watched(ctx.h, 'gina');
  const watch = watchProcess();
  const conn = connectionOf(gina.client);
  try {
    const odd: Value[] = [
      { kind: { oneofKind: 'numberValue', numberValue: Number.NaN } },
      { kind: { oneofKind: 'numberValue', numberValue: Number.POSITIVE_INFINITY } },
      { kind: { oneofKind: undefined } },
    ];
    for (const value of odd) {
      const last = conn.lastSeq!;
      const event: Event = {
        seq: last + 1,
        callCid: 'default:elsewhere',
        createdAt: undefined,
        payload: { oneofKind: 'custom', custom: { user: undefined, custom: { fields: { x: value } } } },
      };
      const data = ServerFrame.toBinary({ frame: { oneofKind: 'event', event } });
      const shown = value.kind.oneofKind === 'numberValue' ? String(value.kind.numberValue) : 'a Value of no kind';
      await injectAndProbe(ctx, gina, data, true, watch, `custom event with ${shown}`, 'maybe');
    }
  } finally {
    watch.stop();
    await gina.client.disconnectUser();
  }
});

test.run();
