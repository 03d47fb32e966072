/**
 * The local coordinator's Janus (src/testing/sfu/): `LocalCoordinator.start({ sfu: 'janus' })`
 * starts a Janus of its own and makes every new call an SFU call; Janus missing is a
 * `JanusError` `not_installed` and nothing starts; `close()` ends the process; a Janus killed
 * from outside is noticed (status `down`, `call.sfu_changed` to the participants, joins
 * `unavailable`) and a restarted one serves calls again. No media flows here: no peer
 * connection is made, so this file needs no network namespace.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JoinCallRequest } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { JanusError, LocalCoordinator } from '../../src/testing';
import type { Event } from '../../gen/stream/video/coordinator/v1/events';
import { eventsOf, expectRpcError, rpcClient, seqOf, uniqueId } from '../helpers/rpc';
import { startCoordinator } from '../helpers/coordinator';
import { until } from '../helpers/sdk';

const test = suite<{ c: LocalCoordinator }>('janus: lifecycle', {} as { c: LocalCoordinator });

test.before(async (ctx) => {
  ctx.c = await startCoordinator({ sfu: 'janus' });
});
test.after(async (ctx) => {
  await ctx.c.close();
});

/** Whether a process with this id runs (signal 0 checks without sending anything). */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The call.sfu_changed payloads about `cid` that `user` received after `after`. */
const sfuChanges = (c: LocalCoordinator, user: string, after: number, cid: string) =>
  eventsOf(c, user, after).flatMap((e: Event) => (e.payload.oneofKind === 'sfuChanged' && e.callCid === cid ? [e.payload.sfuChanged] : []));

test('without Janus installed, start fails with not_installed and nothing is left running', async () => {
  const err = await LocalCoordinator.start({ port: 0, sfu: { executable: '/nonexistent/janus' } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof JanusError, 'a JanusError');
  assert.is(err.code, 'not_installed');
});

test('an option out of range is a RangeError before anything starts', async () => {
  const err = await LocalCoordinator.start({ port: 0, sfu: { maxPublishers: 0 } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.ok(err instanceof RangeError);
});

test('new calls are SFU calls: the join answers the SFU session id; a call may ask for a mesh', async ({ c }) => {
  assert.is(c.sfu?.status, 'running');
  const alice = await rpcClient(c, 'alice');
  const id = uniqueId('sfu');
  const { response } = await alice.joinCall(JoinCallRequest.create({ type: 'development', id, sessionId: 'a-1' }));
  assert.equal(response.call?.call?.settings?.media, { maxPublishers: 16, topology: 'sfu' });
  assert.match(response.credentials?.sfuSessionId ?? '', /^sfu-/);
  const again = await alice.joinCall(JoinCallRequest.create({ type: 'development', id, sessionId: 'a-2' }));
  assert.is(again.response.credentials?.sfuSessionId, response.credentials?.sfuSessionId, 'one SFU session per call');
  const mesh = await alice.joinCall(
    JoinCallRequest.create({
      type: 'development',
      id: uniqueId('mesh'),
      sessionId: 'a-3',
      data: { settingsOverride: { media: { topology: 'mesh', maxPublishers: 0 } } },
    }),
  );
  assert.equal(mesh.response.call?.call?.settings?.media, { maxPublishers: 4, topology: 'mesh' });
  assert.is(mesh.response.credentials?.sfuSessionId, '');
  const bad = await expectRpcError(
    alice.joinCall(
      JoinCallRequest.create({
        type: 'development',
        id: uniqueId('bad'),
        sessionId: 'a-4',
        data: { settingsOverride: { media: { topology: 'p2p', maxPublishers: 0 } } },
      }),
    ),
    'invalid_argument',
  );
  assert.is(bad.meta['argument'], 'data.settings_override.media.topology');
});

test('a coordinator without an SFU refuses a call that asks for one', async () => {
  const c = await startCoordinator();
  try {
    const alice = await rpcClient(c, 'alice');
    const err = await expectRpcError(
      alice.joinCall(
        JoinCallRequest.create({
          type: 'development',
          id: uniqueId('sfu'),
          sessionId: 'a-1',
          data: { settingsOverride: { media: { topology: 'sfu', maxPublishers: 0 } } },
        }),
      ),
      'failed_precondition',
    );
    assert.is(err.meta['reason'], 'no_sfu');
  } finally {
    await c.close();
  }
});

test('Janus killed: status down, call.sfu_changed, joins unavailable; restarted: the call gets a new SFU session id, joins work', async ({ c }) => {
  const alice = await rpcClient(c, 'alice');
  const id = uniqueId('crash');
  const first = await alice.joinCall(JoinCallRequest.create({ type: 'development', id, sessionId: 'a-1' }));
  const before = seqOf(c, 'alice');
  const pid = c.sfu!.pid!;
  process.kill(pid, 'SIGKILL');
  await until(() => c.sfu!.status === 'down', 'the coordinator notices that Janus died');
  await until(() => sfuChanges(c, 'alice', before, `development:${id}`).length > 0, 'alice hears call.sfu_changed');
  assert.equal(sfuChanges(c, 'alice', before, `development:${id}`), [{ available: false, sfuSessionId: '' }]);
  const refused = await expectRpcError(alice.joinCall(JoinCallRequest.create({ type: 'development', id: uniqueId('new'), sessionId: 'a-2' })), 'unavailable');
  assert.is(refused.meta['reason'], 'sfu_unavailable');
  await c.sfu!.restart();
  assert.is(c.sfu!.status, 'running');
  assert.is.not(c.sfu!.pid, pid);
  await until(() => sfuChanges(c, 'alice', before, `development:${id}`).length > 1, 'alice hears that the SFU is back');
  const back = sfuChanges(c, 'alice', before, `development:${id}`)[1];
  assert.is(back.available, true);
  assert.match(back.sfuSessionId, /^sfu-/);
  assert.is.not(back.sfuSessionId, first.response.credentials?.sfuSessionId, 'a new SFU session for the call');
  const joined = await alice.joinCall(JoinCallRequest.create({ type: 'development', id: uniqueId('new'), sessionId: 'a-3' }));
  assert.match(joined.response.credentials?.sfuSessionId ?? '', /^sfu-/);
});

test('close() ends Janus: its process exits', async () => {
  const c = await startCoordinator({ sfu: 'janus' });
  const pid = c.sfu!.pid!;
  assert.ok(alive(pid));
  await c.close();
  assert.is(alive(pid), false);
  assert.is(c.sfu!.status, 'closed');
});

test.run();
