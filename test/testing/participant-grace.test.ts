/**
 * Ghost participants (src/testing/state/participant-grace.ts): the coordinator drops the call
 * sessions of a user who has had no live socket for `participantGraceMs`, with
 * `participantLeft` to the call's audience; a user with a live socket, or who reconnects
 * within the grace period, keeps them.
 *
 * No test bounds a duration: each awaits the event it expects, and "nothing happened" is
 * checked against a witness whose grace period started later and ended (timers of the same
 * length fire in the order they were started).
 */
import * as assert from 'uvu/assert';
import { GetOrCreateCallRequest, JoinCallRequest } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { Event } from '../../gen/stream/video/coordinator/v1/events';
import { LocalCoordinator } from '../../src/testing/local-coordinator';
import { RawClient, Scope } from '../helpers/channel';
import { rpcClient } from '../helpers/rpc';
import { User } from '../../gen/stream/video/coordinator/v1/models';
import { fileSuite, uniqueId, until } from '../helpers/common';

const scope = new Scope();
const test = fileSuite(import.meta.url);
test.after.each(() => scope.close());

const profile = (id: string) => User.create({ id, name: id });

/** A raw socket of `userId` that has authenticated (fresh: it receives the events published from now on). */
async function online(c: LocalCoordinator, userId: string): Promise<RawClient> {
  const raw = scope.raw(c.wsUrl);
  await raw.opened;
  raw.send({ oneofKind: 'auth', auth: { apiKey: c.apiKey, token: await c.createToken(userId), user: profile(userId) } });
  await raw.until(() => raw.framesOf('connectionOk').length === 1, `${userId}: connection ok`);
  return raw;
}

/** alice creates a default call with `members` and joins it; returns the call id. */
async function callWith(c: LocalCoordinator, members: string[]): Promise<string> {
  const id = uniqueId('grace');
  const alice = await rpcClient(c, 'alice');
  await alice.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id, data: { members: members.map((userId) => ({ userId, role: '' })) } }));
  await alice.joinCall(JoinCallRequest.create({ type: 'default', id, sessionId: 'alice-1' }));
  return id;
}

async function join(c: LocalCoordinator, userId: string, id: string): Promise<void> {
  const client = await rpcClient(c, userId);
  const { response } = await client.joinCall(JoinCallRequest.create({ type: 'default', id, sessionId: `${userId}-1` }));
  assert.is(response.joined, true);
}

const left = (host: RawClient): string[] =>
  host
    .framesOf('event')
    .map((f) => f.event.payload)
    .filter((p): p is Extract<Event['payload'], { oneofKind: 'participantLeft' }> => p.oneofKind === 'participantLeft')
    .map((p) => p.participantLeft.participant!.sessionId);

const sessions = (c: LocalCoordinator, id: string): string[] => [...c.state.calls.get(`default:${id}`)!.participants.keys()].sort();

test('a user whose socket dropped is removed after the grace period; the host hears participant_left', async () => {
  const c = await scope.coordinator({ participantGraceMs: 50 });
  const host = await online(c, 'alice');
  const id = await callWith(c, ['bob']);
  await online(c, 'bob');
  await join(c, 'bob', id);
  assert.equal(sessions(c, id), ['alice-1', 'bob-1']);

  assert.is(c.hub.faults.dropUser('bob'), 1);
  assert.is(c.participantGrace.pendingCount, 1);
  await host.until(() => left(host).length === 1, 'participant_left');
  assert.equal(left(host), ['bob-1']);
  assert.equal(sessions(c, id), ['alice-1']);
  assert.is(c.participantGrace.dropped, 1);
  assert.is(c.participantGrace.pendingCount, 0);
  // bob's own log has it too, for when he resumes
  const mine = c.events.log('bob').since(0, Date.now());
  assert.ok(mine.kind === 'events' && mine.events.some((e) => e.payload.oneofKind === 'participantLeft'));
});

test('a user who reconnects within the grace period keeps the participant', async () => {
  const c = await scope.coordinator({ participantGraceMs: 1500 });
  const host = await online(c, 'alice');
  const id = await callWith(c, ['bob', 'carol']);
  await online(c, 'bob');
  await online(c, 'carol');
  await join(c, 'bob', id);
  await join(c, 'carol', id);
  // bob's next socket is open (not authenticated yet) before the drop: it only has to authenticate.
  const spare = scope.raw(c.wsUrl);
  await spare.opened;
  const token = await c.createToken('bob');

  c.hub.faults.dropUser('bob');
  c.hub.faults.dropUser('carol'); // the witness: her grace period starts after bob's
  spare.send({ oneofKind: 'auth', auth: { apiKey: c.apiKey, token, user: profile('bob') } });
  await spare.until(() => spare.framesOf('connectionOk').length === 1, 'bob back');

  await host.until(() => left(host).length >= 1, "carol's participant_left");
  assert.equal(left(host), ['carol-1'], 'bob was kept');
  assert.equal(sessions(c, id), ['alice-1', 'bob-1']);
  assert.is(c.participantGrace.dropped, 1);
});

test('a user with another live socket keeps the participant: no grace period starts', async () => {
  const c = await scope.coordinator({ participantGraceMs: 50 });
  await online(c, 'alice');
  const id = await callWith(c, ['bob']);
  const phone = await online(c, 'bob');
  await online(c, 'bob');
  await join(c, 'bob', id);
  await phone.end();
  await until(() => c.hub.connectionsOf('bob') === 1, 'the hub to forget the closed socket');
  assert.is(c.participantGrace.pendingCount, 0);
  assert.equal(sessions(c, id), ['alice-1', 'bob-1']);
});

test('a join that arrives after the socket closed (disconnect during JoinCall) is dropped too', async () => {
  const c = await scope.coordinator({ participantGraceMs: 50 });
  const host = await online(c, 'alice');
  const id = await callWith(c, ['bob']);
  const socket = await online(c, 'bob');
  await socket.end();
  await until(() => c.hub.connectionsOf('bob') === 0, 'the hub to forget the socket');
  assert.is(c.participantGrace.pendingCount, 0, 'no session yet: nothing to watch');
  await join(c, 'bob', id); // the JoinCall that was in flight
  assert.is(c.participantGrace.pendingCount, 1);
  await host.until(() => left(host).length === 1, 'participant_left');
  assert.equal(left(host), ['bob-1']);
  assert.equal(sessions(c, id), ['alice-1']);
});

test('participantGraceMs: Infinity keeps every session; bad values do not start', async () => {
  const c = await scope.coordinator({ participantGraceMs: Number.POSITIVE_INFINITY });
  const id = await callWith(c, ['bob']);
  await online(c, 'bob');
  await join(c, 'bob', id);
  c.hub.faults.dropUser('bob');
  assert.is(c.participantGrace.pendingCount, 0);
  assert.equal(sessions(c, id), ['alice-1', 'bob-1']);
  for (const participantGraceMs of [0, 5, 1.5, -1, Number.NaN, 2 ** 31]) {
    let caught: unknown;
    await LocalCoordinator.start({ participantGraceMs }).then(
      (started) => started.close(),
      (err: unknown) => (caught = err),
    );
    assert.instance(caught, RangeError, String(participantGraceMs));
  }
});

test.run();
