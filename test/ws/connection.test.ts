/**
 * Connection over real sockets: delivery to the right users, a silent server, malformed
 * frames, superseded sockets, online/offline, giving up. (Every test's log lines and errors
 * are checked for tokens by `scope.close()`.)
 */
import * as assert from 'uvu/assert';
import { Struct } from '../../gen/google/protobuf/struct';
import { CallEventType, GetOrCreateCallRequest, SendCallEventRequest, StartRecordingRequest } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { ServerFrame, type Event } from '../../gen/stream/video/coordinator/v1/events';
import { StreamVideoError } from '../../src/errors/stream-video-error';
import { ExponentialBackoff, type ReconnectPolicy } from '../../src/ws/reconnect-policy';
import { CLOSE_CODES } from '../../src/ws/close-codes';
import { customN, customPayload, FakeNetwork, range, Scope } from '../helpers/channel';
import { rpcClient } from '../helpers/rpc';
import { fileSuite, turns, uniqueId, within } from '../helpers/common';

const scope = new Scope();
const test = fileSuite(import.meta.url);
test.after.each(() => scope.close());

/** A reconnect policy that waits a minute: any quick reconnect is not the backoff's doing. */
const MINUTE: ReconnectPolicy = { nextDelayMs: () => 60_000 };

function payloadOf<K extends NonNullable<Event['payload']['oneofKind']>>(e: Event, kind: K): Extract<Event['payload'], { oneofKind: K }> {
  assert.is(e.payload.oneofKind, kind, `event seq ${e.seq}`);
  return e.payload as Extract<Event['payload'], { oneofKind: K }>;
}

test('events from RPCs reach the right users, in order, with their payloads; a non-member gets none', async () => {
  const c = await scope.coordinator();
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((u) => scope.connected(c, u)));
  const [aliceRpc, bobRpc] = await Promise.all([rpcClient(c, 'alice'), rpcClient(c, 'bob')]);
  const id = uniqueId('ws');
  const cid = `default:${id}`;

  await aliceRpc.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id, ring: true, data: { members: [{ userId: 'bob', role: '' }] } }));
  await bobRpc.sendCallEvent(SendCallEventRequest.create({ type: 'default', id, eventType: CallEventType.ACCEPTED }));
  await aliceRpc.startRecording(StartRecordingRequest.create({ type: 'default', id }));
  await bobRpc.sendCallEvent(
    SendCallEventRequest.create({ type: 'default', id, eventType: CallEventType.CUSTOM, custom: Struct.fromJson({ hello: 'world', n: 2 }) }),
  );

  const a = await alice.collectEvents(4);
  const b = await bob.collectEvents(5);
  assert.equal(
    a.map((e) => e.payload.oneofKind),
    ['callCreated', 'callAccepted', 'recordingStarted', 'custom'],
  );
  assert.equal(
    b.map((e) => e.payload.oneofKind),
    ['callCreated', 'callRing', 'callAccepted', 'recordingStarted', 'custom'],
  );
  assert.equal(
    a.map((e) => e.seq),
    [1, 2, 3, 4],
  );
  assert.equal(
    b.map((e) => e.seq),
    [1, 2, 3, 4, 5],
  );
  for (const e of [...a, ...b]) assert.is(e.callCid, cid);

  // payloads
  for (const [events, user] of [
    [a, 'alice'],
    [b, 'bob'],
  ] as const) {
    const created = payloadOf(events[0], 'callCreated').callCreated.call!;
    assert.is(created.call!.cid, cid);
    assert.is(created.call!.createdByUserId, 'alice');
    assert.equal(created.members.map((m) => m.userId).sort(), ['alice', 'bob'], `members seen by ${user}`);
  }
  const ring = payloadOf(b[1], 'callRing').callRing;
  assert.is(ring.user!.id, 'alice');
  assert.is(ring.call!.call!.cid, cid);
  assert.is(ring.call!.call!.ringing, true);
  assert.is(payloadOf(a[1], 'callAccepted').callAccepted.user!.id, 'bob');
  assert.is(payloadOf(b[2], 'callAccepted').callAccepted.user!.id, 'bob');
  assert.is(payloadOf(a[2], 'recordingStarted').recordingStarted.user!.id, 'alice');
  assert.is(payloadOf(b[3], 'recordingStarted').recordingStarted.user!.id, 'alice');
  for (const e of [a[3], b[4]]) {
    const custom = payloadOf(e, 'custom').custom;
    assert.is(custom.user!.id, 'bob');
    assert.equal(Struct.toJson(custom.custom!), { hello: 'world', n: 2 });
  }

  // carol is no member: a sentinel published to her after all of it is the first thing she gets
  c.events.publish(['carol'], 'default:sentinel', customPayload(42));
  await carol.collectEvents(1);
  assert.is(carol.events.length, 1);
  assert.is(carol.events[0].callCid, 'default:sentinel');
  assert.is(carol.events[0].seq, 1);

  // and nothing more for alice and bob: a sentinel each arrives right after what they had
  c.events.publish(['alice', 'bob'], 'default:sentinel', customPayload(43));
  await alice.untilSeq(5);
  await bob.untilSeq(6);
  assert.equal(alice.seqs, range(1, 5));
  assert.equal(bob.seqs, range(1, 6));
  for (const cl of [alice, bob, carol]) {
    assert.is(cl.conn.stats.sockets, 1);
    assert.is(cl.conn.stats.duplicatesDropped, 0);
    assert.is(cl.conn.stats.gaps, 0);
  }
});

test('a fresh connection starts after the events the user already had', async () => {
  const c = await scope.coordinator();
  c.events.publish(['bob'], 'default:old', customPayload(1));
  c.events.publish(['bob'], 'default:old', customPayload(2));
  const bob = await scope.connected(c, 'bob');
  assert.is(bob.conn.lastSeq, 2);
  c.events.publish(['bob'], 'default:new', customPayload(3));
  await bob.collectEvents(1);
  assert.equal(bob.seqs, [3]);
});

test('a silent server is detected by health checks and the client reconnects on a new socket', async () => {
  // the client probes at the hub's 50 ms and gives up after 3 intervals of silence
  const c = await scope.coordinator({ hub: { healthCheckIntervalMs: 50 } });
  const bob = await scope.connected(c, 'bob');
  c.events.publish(['bob'], 'default:x', customPayload(1));
  await bob.collectEvents(1);

  const from = bob.states.length;
  assert.is(c.hub.faults.silenceUser('bob'), 1);
  // published while silent: never sent on the silent socket, replayed on the new one
  c.events.publish(['bob'], 'default:x', customPayload(2));
  c.events.publish(['bob'], 'default:x', customPayload(3));
  await bob.until(() => bob.conn.stats.sockets === 2 && bob.state === 'connected', 'a second socket, connected');
  assert.equal(bob.states.slice(from), ['reconnecting', 'connected']);
  assert.ok(
    bob.logs.some((l) => l.extra?.['code'] === CLOSE_CODES.HEALTH_CHECK_TIMEOUT),
    'the socket ended as a health-check timeout (4004)',
  );
  await bob.collectEvents(3);
  c.events.publish(['bob'], 'default:x', customPayload(4));
  await bob.untilSeq(4);
  assert.equal(bob.seqs, [1, 2, 3, 4]);
  assert.equal(bob.events.map(customN), [1, 2, 3, 4]);
  assert.is(bob.conn.stats.sockets, 2);
  await bob.sockets[0].closed;
});

test('a malformed binary frame, a text frame and an empty frame are skipped; the connection survives', async () => {
  const c = await scope.coordinator();
  const bob = await scope.connected(c, 'bob');
  c.events.publish(['bob'], 'default:x', customPayload(1));
  await bob.collectEvents(1);

  assert.is(c.hub.faults.sendRaw('bob', new Uint8Array([0xff, 0xff, 0xff])), 1);
  c.hub.faults.sendRaw('bob', 'not a frame');
  c.hub.faults.sendRaw('bob', new Uint8Array(0)); // a ServerFrame of no kind this SDK knows
  c.events.publish(['bob'], 'default:x', customPayload(2));
  c.events.publish(['bob'], 'default:x', customPayload(3));
  await bob.untilSeq(3);

  assert.equal(bob.seqs, [1, 2, 3]);
  assert.is(bob.conn.stats.malformedFrames, 2);
  assert.is(bob.conn.stats.sockets, 1);
  assert.is(bob.conn.stats.reconnects, 0);
  assert.is(bob.state, 'connected');
});

test('a frame or a close arriving on a superseded socket is ignored', async () => {
  const c = await scope.coordinator();
  const bob = await scope.connected(c, 'bob');
  c.events.publish(['bob'], 'default:x', customPayload(1));
  c.events.publish(['bob'], 'default:x', customPayload(2));
  await bob.untilSeq(2);
  const old = bob.socket;
  const oldOnMessage = old.seen.onmessage[0];
  const oldOnClose = old.seen.onclose[0];
  assert.type(oldOnMessage, 'function');
  assert.type(oldOnClose, 'function');

  c.hub.faults.dropUser('bob');
  await bob.until(() => bob.conn.stats.sockets === 2 && bob.state === 'connected', 'reconnected on a second socket');
  await old.closed;
  assert.is(old.onmessage, null, 'the connection cleared the old handlers');

  // a valid event frame with the next seq, delivered through the old socket's handler
  const late: Event = { seq: 3, callCid: 'default:late', createdAt: undefined, payload: customPayload(99) };
  const bytes = ServerFrame.toBinary({ frame: { oneofKind: 'event', event: late } });
  oldOnMessage({ data: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) });
  oldOnMessage({ data: bytes });
  assert.is(bob.events.length, 2, 'nothing delivered from the old socket');
  assert.is(bob.conn.lastSeq, 2);
  assert.is(bob.conn.stats.malformedFrames, 0);

  // a late close of the old socket does not tear down the new one
  oldOnClose({ code: 4005, reason: 'late close' });
  assert.is(bob.state, 'connected');
  assert.is(bob.conn.stats.sockets, 2);

  c.events.publish(['bob'], 'default:real', customPayload(3));
  await bob.untilSeq(3);
  assert.equal(bob.seqs, [1, 2, 3]);
  assert.is(bob.events[2].callCid, 'default:real');
  assert.is(bob.conn.stats.sockets, 2);
});

test('offline closes the socket without reconnecting; online reconnects at once, not after the backoff', async () => {
  const c = await scope.coordinator();
  const net = new FakeNetwork();
  const bob = await scope.connected(c, 'bob', { network: net, reconnectPolicy: MINUTE });
  assert.is(net.listeners, 2);
  c.events.publish(['bob'], 'default:x', customPayload(1));
  await bob.collectEvents(1);

  net.goOffline();
  assert.is(bob.state, 'offline');
  await bob.socket.closed;
  // published while offline
  c.events.publish(['bob'], 'default:x', customPayload(2));
  c.events.publish(['bob'], 'default:x', customPayload(3));
  assert.is(bob.conn.stats.sockets, 1, 'no reconnect while offline');
  assert.is(bob.conn.stats.reconnects, 0);
  assert.is(bob.state, 'offline');

  // The backoff is a minute: reconnecting within the safety timeout, with no backoff
  // scheduled, is reconnecting at once.
  net.goOnline();
  await bob.nextState('connected');
  assert.is(bob.conn.stats.reconnects, 0, 'online opened the socket itself, no backoff');
  assert.is(bob.conn.stats.sockets, 2);
  await bob.untilSeq(3);
  assert.equal(bob.seqs, [1, 2, 3]);

  // offline while waiting out a backoff cancels it; online reconnects at once again
  c.hub.faults.dropUser('bob');
  await bob.nextState('reconnecting');
  assert.is(bob.conn.stats.reconnects, 1, 'a one-minute backoff is running');
  net.goOffline();
  assert.is(bob.state, 'offline');
  net.goOnline();
  await bob.nextState('connected');
  assert.is(bob.conn.stats.sockets, 3);
  assert.is(bob.conn.stats.reconnects, 1, 'the backoff was cancelled, not waited out');

  // online while online changes nothing
  net.goOnline();
  assert.is(bob.state, 'connected');
  assert.is(bob.conn.stats.sockets, 3);

  bob.conn.disconnect();
  assert.is(net.listeners, 0, 'disconnect removes the network listeners');
});

test('waitUntilConnected resolves on reconnect and rejects when idle or disconnected', async () => {
  const c = await scope.coordinator();
  const bob = await scope.client(c, 'bob', { reconnectPolicy: MINUTE });
  const idle = await bob.conn.waitUntilConnected(100, 'getCall').then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(idle, StreamVideoError);
  assert.is((idle as StreamVideoError).code, 'not_connected');

  await bob.connect();
  await bob.conn.waitUntilConnected(100, 'getCall');

  const net = new FakeNetwork();
  const carol = await scope.connected(c, 'carol', { network: net, reconnectPolicy: MINUTE });
  net.goOffline();
  const waiting = carol.conn.waitUntilConnected(3000, 'getCall');
  net.goOnline();
  await waiting;
  assert.is(carol.state, 'connected');

  net.goOffline();
  const rejected = carol.conn.waitUntilConnected(3000, 'joinCall').then(
    () => undefined,
    (e: unknown) => e,
  );
  carol.conn.disconnect();
  const err = await rejected;
  assert.instance(err, StreamVideoError);
  assert.is((err as StreamVideoError).code, 'disconnected');
  assert.is((err as StreamVideoError).method, 'joinCall');

  const after = await carol.conn.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.is((after as StreamVideoError).code, 'disconnected', 'connect after disconnect is refused');
});

test('disconnect during the first connect rejects it with "disconnected"', async () => {
  const c = await scope.coordinator();
  const bob = await scope.client(c, 'bob');
  const pending = bob.conn.connect().then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.is(bob.state, 'connecting');
  bob.conn.disconnect();
  const err = await within(pending, 'connect() to settle');
  assert.instance(err, StreamVideoError);
  assert.is((err as StreamVideoError).code, 'disconnected');
  assert.is(bob.state, 'disconnected');
  await bob.allSocketsClosed();
});

test('with every upgrade refused, connect() gives up after maxAttempts or maxConnectAttempts (network, naming the URL), or after connectTimeoutMs (timeout)', async () => {
  const c = await scope.coordinator();
  // point the client at a path the server answers with 404 instead of an upgrade
  const dead = Object.create(c, { wsUrl: { value: c.wsUrl.replace('/video/connect', '/nowhere') } }) as typeof c;

  const gaveUp = await scope.client(dead, 'bob', { reconnectPolicy: new ExponentialBackoff({ baseMs: 5, maxMs: 5, maxAttempts: 2 }) });
  const err = await gaveUp.connectError();
  assert.instance(err, StreamVideoError);
  assert.is((err as StreamVideoError).code, 'network');
  assert.is((err as StreamVideoError).meta['url'], dead.wsUrl);
  assert.is(gaveUp.state, 'disconnected');
  await gaveUp.allSocketsClosed();
  assert.is(gaveUp.conn.stats.sockets, 3, 'the first attempt and two retries');

  // the policy's own limit for a first connection that reaches nothing (default 3 retries)
  const unreachable = await scope.client(dead, 'dave', { reconnectPolicy: new ExponentialBackoff({ baseMs: 5, maxMs: 5 }), connectTimeoutMs: 60_000 });
  const err3 = await unreachable.connectError();
  assert.is((err3 as StreamVideoError).code, 'network');
  assert.is((err3 as StreamVideoError).meta['url'], dead.wsUrl);
  await unreachable.allSocketsClosed();
  assert.is(unreachable.conn.stats.sockets, 4, 'the first attempt and maxConnectAttempts retries');

  // a policy that never gives up: the connect timeout ends it
  const policy = new ExponentialBackoff({ baseMs: 5, maxMs: 5, maxConnectAttempts: Number.POSITIVE_INFINITY });
  const timedOut = await scope.client(dead, 'carol', { reconnectPolicy: policy, connectTimeoutMs: 150 });
  const err2 = await timedOut.connectError();
  assert.is((err2 as StreamVideoError).code, 'timeout');
  assert.is((err2 as StreamVideoError).meta['url'], dead.wsUrl);
  assert.is(((err2 as StreamVideoError).cause as StreamVideoError).code, 'network', 'the last refusal as its cause');
  assert.is(timedOut.state, 'disconnected');
  await timedOut.allSocketsClosed();
  const sockets = timedOut.conn.stats.sockets;
  assert.ok(sockets >= 1);
  await turns(50);
  assert.is(timedOut.conn.stats.sockets, sockets, 'no attempt after giving up');
});

test.run();
