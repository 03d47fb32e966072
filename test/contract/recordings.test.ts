/**
 * Contract: QueryRecordings and DeleteRecording through the generated client, both formats,
 * and the download route's refusals, on a coordinator without an SFU: its calls are meshes,
 * whose recording is a flag and events only (no file). Recordings that are files, and their
 * downloads, are tested with Janus in test/recording/.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import {
  DeleteRecordingRequest,
  GetOrCreateCallRequest,
  QueryRecordingsRequest,
  StartRecordingRequest,
  StopRecordingRequest,
} from '../../gen/stream/video/coordinator/v1/coordinator_service';
import type { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { UrlSigner } from '../../src/testing/recording/signed-url';
import { eventsOf, expectRpcError, FORMATS, kindsOf, rpcClient, seqOf, startCoordinator, uniqueId } from '../helpers/rpc';

const test = suite<{ c: LocalCoordinator }>('Recordings', { c: undefined as never });
test.before(async (ctx) => {
  ctx.c = await startCoordinator();
});
test.after(async (ctx) => {
  await ctx.c.close();
});

/** alice creates a `type` call with bob as a member and dave as a moderator; erin is a stranger. */
async function setup(c: LocalCoordinator, json: boolean, type = 'default') {
  const [alice, bob, dave, erin] = await Promise.all(['alice', 'bob', 'dave', 'erin'].map((u) => rpcClient(c, u, { json })));
  const id = uniqueId('rec');
  await alice.getOrCreateCall(
    GetOrCreateCallRequest.create({
      type,
      id,
      data: {
        members: [
          { userId: 'bob', role: 'member' },
          { userId: 'dave', role: 'moderator' },
        ],
      },
    }),
  );
  return {
    alice,
    bob,
    dave,
    erin,
    id,
    list: (client: CoordinatorServiceClient, callId = id) => client.queryRecordings(QueryRecordingsRequest.create({ type, id: callId })),
    remove: (client: CoordinatorServiceClient, filename: string, callId = id) =>
      client.deleteRecording(DeleteRecordingRequest.create({ type, id: callId, filename })),
  };
}

for (const { json, label } of FORMATS) {
  test(`QueryRecordings (${label}): members list a mesh call's recordings, none since a mesh records no file`, async ({ c }) => {
    const s = await setup(c, json);
    const seq = seqOf(c, 'bob');
    await s.alice.startRecording(StartRecordingRequest.create({ type: 'default', id: s.id }));
    await s.alice.stopRecording(StopRecordingRequest.create({ type: 'default', id: s.id }));
    // The flag and its events, as before; no file, so no recording_ready or recording_failed.
    assert.equal(kindsOf(eventsOf(c, 'bob', seq)), ['recordingStarted', 'recordingStopped']);
    for (const member of [s.alice, s.bob, s.dave]) assert.equal((await s.list(member)).response.recordings, []);
    assert.is(c.recordings.pending, 0);
  });

  test(`QueryRecordings (${label}): only members may list; an unknown call is not_found`, async ({ c }) => {
    const s = await setup(c, json);
    const stranger = await expectRpcError(s.list(s.erin), 'permission_denied');
    assert.is(stranger.meta['capability'], 'read-call');
    // In an open call type a stranger may read the call, but is no member: still refused.
    const open = await setup(c, json, 'livestream');
    const reader = await expectRpcError(open.list(open.erin), 'permission_denied');
    assert.is(reader.meta['reason'], 'not_a_member');
    await expectRpcError(s.list(s.alice, 'no-such-call'), 'not_found');
    const bad = await expectRpcError(s.alice.queryRecordings(QueryRecordingsRequest.create({ type: 'default', id: 'bad id!' })), 'invalid_argument');
    assert.is(bad.meta['argument'], 'id');
  });

  test(`DeleteRecording (${label}): needs stop-record-call and membership, a file name, and a recording that is there`, async ({ c }) => {
    const s = await setup(c, json);
    await expectRpcError(s.remove(s.alice, 'rec_default_x_1.webm'), 'not_found');
    await expectRpcError(s.remove(s.dave, 'rec_default_x_1.webm'), 'not_found'); // a moderator may, when it exists
    const member = await expectRpcError(s.remove(s.bob, 'rec_default_x_1.webm'), 'permission_denied');
    assert.is(member.meta['capability'], 'stop-record-call');
    await expectRpcError(s.remove(s.erin, 'rec_default_x_1.webm'), 'permission_denied');
    const empty = await expectRpcError(s.remove(s.alice, ''), 'invalid_argument');
    assert.is(empty.meta['argument'], 'filename');
    const slash = await expectRpcError(s.remove(s.alice, '../rec.webm'), 'invalid_argument');
    assert.is(slash.meta['argument'], 'filename');
  });
}

test('downloads: a missing, changed or expired signature is 403; a signed URL of no recording is 404; only GET and HEAD', async ({ c }) => {
  const signer = new UrlSigner('local-secret');
  const ref = { type: 'default', id: 'c1', filename: 'rec_default_c1_1.webm' };
  const status = async (url: string, init?: RequestInit) => {
    const res = await fetch(url, init);
    await res.arrayBuffer();
    return [res.status, res.headers.get('x-recording-denied')];
  };
  assert.equal(await status(`${c.baseUrl}/recordings/default/c1/rec_default_c1_1.webm`), [403, 'missing']);
  const valid = new URL(signer.sign(c.baseUrl, ref, Date.now() + 60_000));
  assert.equal(await status(valid.href), [404, null]);
  const otherFile = new URL(valid);
  otherFile.pathname = '/recordings/default/c1/rec_default_c1_2.webm';
  assert.equal(await status(otherFile.href), [403, 'invalid']);
  const forged = new UrlSigner('another-secret').sign(c.baseUrl, ref, Date.now() + 60_000);
  assert.equal(await status(forged), [403, 'invalid']);
  assert.equal(await status(signer.sign(c.baseUrl, ref, Date.now() - 1000)), [403, 'expired']);
  assert.equal(await status(valid.href, { method: 'DELETE' }), [405, null]);
});

test.run();
