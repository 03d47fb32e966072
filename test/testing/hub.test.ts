/**
 * The local coordinator's WebSocket hub, driven by a raw `ws` client: the handshake, its time
 * limit, frame rules, replay, health checks and faults.
 */
import * as assert from 'uvu/assert';
import { ClientFrame, ResumeStatus } from '../../gen/stream/video/coordinator/v1/events';
import { CLOSE_CODES } from '../../src/ws/close-codes';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { WebSocket } from 'ws';
import { customPayload, range, RawClient, Scope } from '../helpers/channel';
import { User } from '../../gen/stream/video/coordinator/v1/models';
import { fileSuite, until, within } from '../helpers/common';

const scope = new Scope();
const test = fileSuite(import.meta.url);
test.after.each(() => scope.close());

const USER = User.create({ id: 'bob', name: 'Bob', imageUrl: '', role: '' });

/** A raw client that authenticated as bob with a resume point (default: fresh), after the connection ok. */
async function handshake(c: LocalCoordinator, resume: { lastSeq: number; fresh: boolean; epoch?: string } = { lastSeq: 0, fresh: true }): Promise<RawClient> {
  const raw = scope.raw(c.wsUrl);
  await raw.opened;
  raw.send({ oneofKind: 'auth', auth: { apiKey: c.apiKey, token: await c.createToken('bob'), user: USER, resume: { epoch: c.events.epoch, ...resume } } });
  await raw.until(() => raw.framesOf('connectionOk').length === 1, 'connection ok');
  return raw;
}

/** The resume result of the connection ok `raw` received. */
function resumeOf(raw: RawClient) {
  return raw.framesOf('connectionOk')[0].connectionOk.resume;
}

test('no auth frame within the time limit: an auth_timeout error frame, then close 4001', async () => {
  const c = await scope.coordinator({ hub: { authTimeoutMs: 100 } });
  const raw = scope.raw(c.wsUrl);
  await raw.opened;
  const { code } = await raw.closed;
  assert.is(code, CLOSE_CODES.AUTH_TIMEOUT);
  assert.is(raw.frames.length, 1);
  const error = raw.framesOf('error')[0].error;
  assert.is(error.code, 'auth_timeout');
});

test('a first frame that is not auth: invalid_frame, close 4000', async () => {
  const c = await scope.coordinator();
  const raw = scope.raw(c.wsUrl);
  await raw.opened;
  raw.send({ oneofKind: 'healthCheck', healthCheck: { connectionId: '', reply: false } });
  const { code } = await raw.closed;
  assert.is(code, CLOSE_CODES.INVALID_FRAME);
  assert.equal(
    raw.framesOf('error').map((f) => f.error.code),
    ['invalid_frame'],
  );
  assert.equal(raw.framesOf('connectionOk'), [], 'not authenticated by a frame of another kind');
});

test('a text frame or bytes that are not a ClientFrame: invalid_frame, close 4000', async () => {
  const c = await scope.coordinator();
  for (const data of ['hello', new Uint8Array([0xff, 0xff, 0xff])]) {
    const raw = scope.raw(c.wsUrl);
    await raw.opened;
    raw.ws.send(data);
    const { code } = await raw.closed;
    assert.is(code, CLOSE_CODES.INVALID_FRAME, `after ${typeof data}`);
    assert.is(raw.framesOf('error')[0].error.code, 'invalid_frame');
  }
});

test('a wrong path is refused before the upgrade', async () => {
  const c = await scope.coordinator();
  const raw = scope.raw(c.wsUrl.replace('/video/connect', '/nope'));
  await raw.opened.then(
    () => assert.unreachable('opened on a wrong path'),
    () => undefined,
  );
  await raw.closed;
});

test('bad credentials: an unauthenticated error frame then close 4002, the token not echoed', async () => {
  const c = await scope.coordinator();
  const cases = [
    { apiKey: 'wrong', token: await c.createToken('bob'), user: USER },
    { apiKey: c.apiKey, token: 'not-a-jwt', user: USER },
    { apiKey: c.apiKey, token: await c.createToken('alice'), user: USER },
    { apiKey: c.apiKey, token: await c.createToken('bob'), user: undefined },
  ];
  for (const auth of cases) {
    const raw = scope.raw(c.wsUrl);
    await raw.opened;
    raw.send({ oneofKind: 'auth', auth });
    const { code } = await raw.closed;
    assert.is(code, CLOSE_CODES.UNAUTHENTICATED);
    const error = raw.framesOf('error')[0].error;
    assert.is(error.code, 'unauthenticated');
    assert.is(raw.frames.length, 1, 'the error frame only: no connection ok');
    assert.not.ok(error.message.includes(auth.token), 'the token is not echoed');
  }
  const raw = scope.raw(c.wsUrl);
  await raw.opened;
  raw.send({ oneofKind: 'auth', auth: { apiKey: c.apiKey, token: await c.createToken('bob', { expiresInSeconds: -5 }), user: USER } });
  assert.is((await raw.closed).code, CLOSE_CODES.TOKEN_EXPIRED);
  assert.is(raw.framesOf('error')[0].error.code, 'token_expired');
  await until(() => c.hub.connectionCount === 0, 'the hub to forget the refused sockets');
});

test('handshake in one exchange: auth with a fresh resume point, one connection ok (resume result, ringing calls, edges), then live events', async () => {
  const c = await scope.coordinator({ hub: { healthCheckIntervalMs: 1234 } });
  c.events.publish(['bob'], 'default:x', customPayload(1));
  c.events.publish(['bob'], 'default:x', customPayload(2));
  const raw = await handshake(c);
  const ok = raw.framesOf('connectionOk')[0].connectionOk;
  assert.ok(ok.connectionId.length > 0);
  assert.is(ok.user!.id, 'bob');
  assert.is(ok.healthCheckIntervalMs, 1234);
  assert.equal(ok.resume, { status: ResumeStatus.FRESH, lastSeq: 2, replayed: 0, epoch: c.events.epoch });
  assert.equal(
    ok.edges.map((e) => e.name),
    ['edge-a', 'edge-b'],
  );
  assert.equal(ok.ringingCalls, []);
  c.events.publish(['bob'], 'default:x', customPayload(3));
  await raw.until(() => raw.framesOf('event').length === 1, 'one event');
  assert.is(raw.framesOf('event')[0].event.seq, 3);
  assert.equal(
    raw.frames.map((f) => f.frame.oneofKind),
    ['connectionOk', 'event'],
  );
  assert.is(c.hub.connectionsOf('bob'), 1);
  assert.is(c.hub.connectionCount, 1);

  // a second auth is refused
  raw.send({ oneofKind: 'auth', auth: { apiKey: c.apiKey, token: await c.createToken('bob'), user: USER } });
  assert.is((await raw.closed).code, CLOSE_CODES.INVALID_FRAME);
});

test('the connection ok carries the calls that ring the user now, newest first, without ones the user answered', async () => {
  const c = await scope.coordinator();
  const mk = async (id: string) => {
    const call = c.state.createCall('default', id, 'alice', undefined);
    call.members.set('bob', { userId: 'bob', role: 'member', createdAt: 0, updatedAt: 0 });
    call.ringing = true;
    return call;
  };
  await mk('r1');
  const answered = await mk('r2');
  answered.answers.set('bob', 'rejected');
  await mk('r3');
  const raw = await handshake(c);
  assert.equal(
    raw
      .framesOf('connectionOk')[0]
      .connectionOk.ringingCalls.map((s) => s.call?.cid)
      .sort(),
    ['default:r1', 'default:r3'],
  );
});

test('resume: replays what is in the buffer, in order, then live; a gap asks for a re-sync', async () => {
  const c = await scope.coordinator({ replayBuffer: { size: 5 } });
  for (let n = 1; n <= 8; n++) c.events.publish(['bob'], 'default:x', customPayload(n));

  const epoch = c.events.epoch;
  const replay = await handshake(c, { lastSeq: 4, fresh: false });
  assert.equal(resumeOf(replay), { status: ResumeStatus.REPLAYED, lastSeq: 4, replayed: 4, epoch });
  await replay.until(() => replay.framesOf('event').length === 4, '4 replayed events');
  c.events.publish(['bob'], 'default:x', customPayload(9));
  await replay.until(() => replay.framesOf('event').length === 5, 'a live event');
  assert.equal(
    replay.framesOf('event').map((f) => f.event.seq),
    range(5, 9),
  );

  const upToDate = await handshake(c, { lastSeq: 9, fresh: false });
  assert.equal(resumeOf(upToDate), { status: ResumeStatus.REPLAYED, lastSeq: 9, replayed: 0, epoch });

  for (const lastSeq of [2, 3, 10]) {
    // 2 and 3 are older than the 5 kept (5..9); 10 is in the future
    const gap = await handshake(c, { lastSeq, fresh: false });
    assert.equal(resumeOf(gap), { status: ResumeStatus.RESYNC_REQUIRED, lastSeq: 9, replayed: 0, epoch }, `lastSeq ${lastSeq}`);
    assert.is(gap.framesOf('event').length, 0);
  }
  // Another epoch (a client of an earlier server start): its numbers mean nothing here, and
  // this start's first events are no longer kept.
  const other = await handshake(c, { lastSeq: 6, fresh: false, epoch: 'an-earlier-start' });
  assert.equal(resumeOf(other), { status: ResumeStatus.RESYNC_REQUIRED, lastSeq: 9, replayed: 0, epoch });
});

test('resume from another epoch: a re-sync, with every event of this epoch replayed when all are kept', async () => {
  const c = await scope.coordinator();
  for (let n = 1; n <= 3; n++) c.events.publish(['bob'], 'default:x', customPayload(n));
  const raw = await handshake(c, { lastSeq: 40, fresh: false, epoch: 'an-earlier-start' });
  assert.equal(resumeOf(raw), { status: ResumeStatus.RESYNC_REQUIRED, lastSeq: 0, replayed: 3, epoch: c.events.epoch });
  await raw.until(() => raw.framesOf('event').length === 3, 'the three events of this epoch');
  assert.equal(
    raw.framesOf('event').map((f) => f.event.seq),
    [1, 2, 3],
  );
});

test('every coordinator start has its own epoch', async () => {
  const a = await scope.coordinator();
  const b = await scope.coordinator();
  assert.ok(a.events.epoch.length >= 16);
  assert.is.not(a.events.epoch, b.events.epoch);
});

test('health checks: the hub answers probes, probes at its interval, and closes a silent client with 4004', async () => {
  const c = await scope.coordinator({ hub: { healthCheckIntervalMs: 30, deadAfterMs: 120 } });
  const raw = await handshake(c, { lastSeq: 0, fresh: true });
  raw.send({ oneofKind: 'healthCheck', healthCheck: { connectionId: 'x', reply: false } });
  await raw.until(() => raw.framesOf('healthCheck').some((f) => f.healthCheck.reply), 'a reply');
  await raw.until(() => raw.framesOf('healthCheck').some((f) => !f.healthCheck.reply), 'a probe');
  const id = raw.framesOf('connectionOk')[0].connectionOk.connectionId;
  for (const f of raw.framesOf('healthCheck')) assert.is(f.healthCheck.connectionId, id);
  // the raw client never answers: dead after 120 ms
  const { code } = await raw.closed;
  assert.is(code, CLOSE_CODES.HEALTH_CHECK_TIMEOUT);
  assert.is(c.hub.connectionsOf('bob'), 0);
});

test('faults: dropUser kills the sockets at once and counts each once; silenceUser; sendRaw; setFrameDelay', async () => {
  const c = await scope.coordinator();
  const a = await handshake(c, { lastSeq: 0, fresh: true });
  const b = await handshake(c, { lastSeq: 0, fresh: true });
  assert.is(c.hub.connectionsOf('bob'), 2);
  assert.is(c.hub.faults.sendRaw('bob', 'raw text'), 2);
  await a.until(() => a.texts.length === 1, 'the raw frame');
  assert.equal(a.texts, ['raw text']);

  assert.is(c.hub.faults.dropUser('bob'), 2);
  assert.is(c.hub.connectionsOf('bob'), 0, 'dropped sockets are gone at once');
  assert.is(c.hub.faults.dropUser('bob'), 0, 'nothing left to drop');
  assert.is(c.hub.faultCounts.dropped, 2);
  assert.is((await a.closed).code, 1006, 'no close frame');
  assert.is((await b.closed).code, 1006);
  assert.is(c.hub.faults.dropUser('nobody'), 0);

  const s = await handshake(c, { lastSeq: 0, fresh: true });
  assert.is(c.hub.faults.silenceUser('bob'), 1);
  c.events.publish(['bob'], 'default:x', customPayload(1));
  // a second, healthy socket gets the next event: the silent one got nothing before it
  const healthy = await handshake(c, { lastSeq: 1, fresh: false });
  c.events.publish(['bob'], 'default:x', customPayload(2));
  await healthy.until(() => healthy.framesOf('event').length === 1, 'an event on the healthy socket');
  assert.is(s.framesOf('event').length, 0);

  assert.throws(() => c.hub.faults.setFrameDelay(-1), RangeError);
  assert.throws(() => c.hub.faults.setFrameDelay(Number.NaN), RangeError);
});

test("a frame delay keeps every socket's order", async () => {
  const c = await scope.coordinator();
  const raw = await handshake(c, { lastSeq: 0, fresh: true });
  c.hub.faults.setFrameDelay(1);
  for (let n = 1; n <= 30; n++) c.events.publish(['bob'], 'default:x', customPayload(n));
  c.hub.faults.setFrameDelay(0);
  c.events.publish(['bob'], 'default:x', customPayload(31)); // queued behind the delayed ones
  await raw.until(() => raw.framesOf('event').length === 31, '31 events');
  assert.equal(
    raw.framesOf('event').map((f) => f.event.seq),
    range(1, 31),
  );
  assert.ok(c.hub.faultCounts.delayedFrames >= 30);
});

/** Opens a `ws` socket and resolves with the HTTP status that refused the upgrade, or 101 when it opened. */
function upgradeStatus(url: string): Promise<{ status: number; retryAfter: string | undefined; ws: WebSocket }> {
  const ws = new WebSocket(url);
  ws.on('error', () => {});
  return within(
    new Promise((resolve) => {
      ws.once('open', () => resolve({ status: 101, retryAfter: undefined, ws }));
      ws.once('unexpected-response', (req, res) => {
        resolve({ status: res.statusCode ?? 0, retryAfter: res.headers['retry-after'], ws });
        res.resume();
        req.destroy();
      });
    }),
    'the upgrade answer',
  );
}

test('sockets that have not authenticated are capped per address: the rest get HTTP 503 before any handshake', async () => {
  const c = await scope.coordinator({ hub: { maxUnauthenticatedPerAddress: 6 } });
  // 10 sockets that never authenticate, opened one after the other: 6 are held, 4 refused.
  // (Over the cap of all addresses, the oldest idle socket makes room instead: hub-flood.test.ts.)
  const answers = [];
  for (let i = 0; i < 10; i++) answers.push(await upgradeStatus(c.wsUrl));
  const opened = answers.filter((a) => a.status === 101);
  assert.is(opened.length, 6);
  assert.equal(
    answers.filter((a) => a.status !== 101).map((a) => [a.status, a.retryAfter]),
    Array.from({ length: 4 }, () => [503, '1']),
  );
  assert.is(c.hub.unauthenticatedCount, 6);
  assert.is(c.hub.connectionCount, 6);
  assert.is(c.hub.refusedUpgrades, 4);

  // a socket that authenticates frees its place, and so does one that closes
  opened[0].ws.send(ClientFrame.toBinary({ frame: { oneofKind: 'auth', auth: { apiKey: c.apiKey, token: await c.createToken('bob'), user: USER } } }));
  await until(() => c.hub.connectionsOf('bob') === 1, 'the socket to authenticate');
  assert.is(c.hub.unauthenticatedCount, 5);
  const seventh = await upgradeStatus(c.wsUrl);
  assert.is(seventh.status, 101);
  assert.is((await upgradeStatus(c.wsUrl)).status, 503, 'full again');
  opened[1].ws.close();
  await until(() => c.hub.unauthenticatedCount === 5, 'a place to free');
  const eighth = await upgradeStatus(c.wsUrl);
  assert.is(eighth.status, 101);
  assert.is(c.hub.evictedSockets, 0);
  for (const a of [...answers, seventh, eighth]) a.ws.terminate();
  await until(() => c.hub.connectionCount === 0, 'the hub to forget the closed sockets');
});

test('sockets of one user are capped: one more gets too_many_connections, then close 4005', async () => {
  const c = await scope.coordinator({ hub: { maxSocketsPerUser: 2 } });
  const first = await handshake(c);
  await handshake(c);
  const third = scope.raw(c.wsUrl);
  await third.opened;
  third.send({ oneofKind: 'auth', auth: { apiKey: c.apiKey, token: await c.createToken('bob'), user: USER } });
  assert.is((await third.closed).code, CLOSE_CODES.DROPPED);
  assert.equal(
    third.frames.map((f) => (f.frame.oneofKind === 'error' ? f.frame.error.code : f.frame.oneofKind)),
    ['too_many_connections'],
  );
  assert.is(c.hub.connectionsOf('bob'), 2);
  // another user is not affected; bob gets a place back once one of his sockets closes
  const alice = scope.raw(c.wsUrl);
  await alice.opened;
  alice.send({ oneofKind: 'auth', auth: { apiKey: c.apiKey, token: await c.createToken('alice'), user: { ...USER, id: 'alice' } } });
  await alice.until(() => alice.framesOf('connectionOk').length === 1, 'alice connected');
  await first.end();
  await until(() => c.hub.connectionsOf('bob') === 1, 'the hub to forget the closed socket');
  await handshake(c);
  assert.is(c.hub.connectionsOf('bob'), 2);
});

test('closing the coordinator closes every socket with 1001', async () => {
  const c = await scope.coordinator();
  const raw = await handshake(c, { lastSeq: 0, fresh: true });
  const pending = scope.raw(c.wsUrl);
  await pending.opened;
  await c.close();
  assert.is(c.hub.connectionCount, 0, 'close() resolves once every socket is gone');
  assert.is((await raw.closed).code, CLOSE_CODES.GOING_AWAY);
  assert.is((await pending.closed).code, CLOSE_CODES.GOING_AWAY);
});

test.run();
