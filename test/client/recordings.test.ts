/**
 * queryRecordings and deleteRecording on the client and on a joined Call, against a local
 * coordinator without an SFU (a mesh call records no file): the arguments checked before
 * anything is sent, plain answers, who may list and delete. The files themselves, with Janus,
 * are in test/recording/.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CALL_CONFIG, StreamVideoClient } from '../../src/index-node';
import { expectError, Harness, uniqueId } from '../helpers/sdk';

const test = suite<{ h: Harness }>('StreamVideoClient: recordings', { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

const meeting = { callConfig: CALL_CONFIG.meeting };

test('a mesh call: recording sets the flag and lists no file, on the client and on the joined call', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const id = uniqueId();
  const call = await alice.joinCall(id, 'default', { members: [{ userId: 'bob' }] });
  await alice.startRecording(id, 'default');
  await alice.stopRecording(id, 'default');
  assert.equal(await alice.queryRecordings(id, 'default'), { recordings: [] });
  assert.equal(await call.queryRecordings(), { recordings: [] });
  await call.leave();
  assert.equal(await call.queryRecordings(), { recordings: [] }, 'a call that was left still lists');
});

test('only members list; deleting needs stop-record-call; a recording that is not there is not_found', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const bob = await h.connect('bob', meeting);
  const mallory = await h.connect('mallory', meeting);
  const id = uniqueId();
  await alice.getOrCreateCall(id, 'default', { members: [{ userId: 'bob' }] });
  assert.equal(await bob.queryRecordings(id, 'default'), { recordings: [] });
  await expectError(mallory.queryRecordings(id, 'default'), 'permission_denied');
  await expectError(alice.deleteRecording(id, 'default', 'rec_default_x_1.webm'), 'not_found');
  await expectError(bob.deleteRecording(id, 'default', 'rec_default_x_1.webm'), 'permission_denied');
  await expectError(alice.queryRecordings('no-such-call', 'default'), 'not_found');
});

test('arguments are checked before sending: ids, type, the file name; not connected', async ({ h }) => {
  const alice = await h.connect('alice', meeting);
  const id = uniqueId();
  const call = await alice.joinCall(id, 'default');
  await expectError(alice.deleteRecording(id, 'default', ''), 'invalid_argument', 'filename');
  await expectError(alice.deleteRecording(id, 'default', '../etc/passwd'), 'invalid_argument', 'filename');
  await expectError(alice.deleteRecording(id, 'default', 'x'.repeat(256)), 'invalid_argument', 'filename');
  await expectError(alice.deleteRecording(id, 'default', 42 as never), 'invalid_argument', 'filename');
  await expectError(call.deleteRecording(''), 'invalid_argument', 'filename');
  await expectError(alice.queryRecordings('bad id!', 'default'), 'invalid_argument', 'callId');
  await expectError(alice.queryRecordings(id, ''), 'invalid_argument', 'callType');
  const idle = new StreamVideoClient(h.c.apiKey, { baseUrl: h.c.baseUrl, logger: () => {} });
  await expectError(idle.queryRecordings(id, 'default'), 'not_connected');
});

test.run();
