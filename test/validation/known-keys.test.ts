/**
 * Input the SDK cannot use is an error, never silence: an unknown key or a value of the wrong
 * type is `invalid_argument` naming the key, before any request is sent.
 */
import * as assert from 'uvu/assert';
import { StreamVideoClient, type StreamClientOptions } from '../../src/index-node';
import { checkKnownKeys } from '../../src/validation/known-keys';
import { expectError, expectThrows, Harness } from '../helpers/sdk';
import { fileSuite } from '../helpers/common';

const test = fileSuite<{ h: Harness }>(import.meta.url, { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

test('checkKnownKeys: names the key and the key it most likely meant', () => {
  const known = ['userId', 'role', 'user'];
  checkKnownKeys('m', 'x', { userId: 'a', role: 'b' }, known);
  const cases: [object, string, string | undefined][] = [
    [{ user_id: 'bob' }, 'x.user_id', 'userId'],
    [{ UserId: 'bob' }, 'x.UserId', 'userId'],
    [{ rol: 'admin' }, 'x.rol', 'role'],
    [{ something: 1 }, 'x.something', undefined],
  ];
  for (const [value, argument, guess] of cases) {
    const err = expectThrows(() => checkKnownKeys('m', 'x', value, known), 'invalid_argument', argument);
    assert.is(err.meta['suggestion'], guess);
  }
});

test("the vendor's { members: [{ user_id }] } is refused, naming the key; nothing reaches the server", async ({ h }) => {
  const alice = await h.connect('alice');
  let requests = 0;
  h.c.httpServer.on('request', (req) => void (req.url?.startsWith('/twirp/') && requests++));
  const vendor = await expectError(
    alice.getOrCreateCall('s1', 'default', { members: [{ user_id: 'bob' }] } as never),
    'invalid_argument',
    'data.members[0].user_id',
  );
  assert.is(vendor.meta['suggestion'], 'userId');
  await expectError(alice.joinCall('s1', 'default', { member: [] } as never), 'invalid_argument', 'data.member');
  await expectError(
    alice.getOrCreateCall('s1', 'default', { members: [{ userId: 'bob', user: { id: 'bob', image_url: 'x' } }] } as never),
    'invalid_argument',
    'data.members[0].user.image_url',
  );
  await expectError(
    alice.getOrCreateCall('s1', 'default', { settingsOverride: { recording: { enable: false } } } as never),
    'invalid_argument',
    'data.settingsOverride.recording.enable',
  );
  await expectError(
    alice.getOrCreateCall('s1', 'default', { settingsOverride: { recording: { enabled: 'no' } } } as never),
    'invalid_argument',
    'data.settingsOverride.recording.enabled',
  );
  await expectError(
    alice.getOrCreateCall('s1', 'default', { settingsOverride: { ring: { incomingCallTimeoutMs: -1 } } }),
    'invalid_argument',
    'data.settingsOverride.ring.incomingCallTimeoutMs',
  );
  await expectError(
    alice.getOrCreateCall('s1', 'default', { settingsOverride: { requestablePermissions: 'screenshare' } } as never),
    'invalid_argument',
    'data.settingsOverride.requestablePermissions',
  );
  await expectError(alice.requestCallPermissions('s1', 'default', { permissions: ['screenshare'], reason: 'x' } as never), 'invalid_argument', 'data.reason');
  await expectError(
    alice.updateUserPermissions('s1', 'default', { user_id: 'bob', grantPermissions: ['send-audio'] } as never),
    'invalid_argument',
    'data.user_id',
  );
  await expectError(alice.queryCalls({}, [{ field: 'created_at', dir: 1 }] as never), 'invalid_argument', 'sort[0].dir');
  assert.is(requests, 0, 'no request was sent');
  // The right keys go through.
  const { call } = await alice.getOrCreateCall('s1', 'default', {
    members: [{ userId: 'bob' }],
    settingsOverride: { recording: { enabled: false }, ring: { incomingCallTimeoutMs: 5000 } },
  });
  assert.equal(call!.members.map((m) => m.userId).sort(), ['alice', 'bob']);
  assert.is(call!.call!.settings!.recording!.enabled, false);
  assert.is(call!.call!.settings!.ring!.incomingCallTimeoutMs, 5000);
});

test('connectUser and the client options: an unknown key is refused before any socket opens', async ({ h }) => {
  const alice = h.client();
  await expectError(alice.connectUser({ id: 'alice', image_url: 'x' } as never, 'token'), 'invalid_argument', 'user.image_url');
  assert.is(h.c.hub.connectionCount, 0);
  for (const [opts, argument] of [
    [{ baseURL: 'http://x' }, 'opts.baseURL'],
    [{ timeouts: { rpc: 5 } }, 'opts.timeouts.rpc'],
    [{ retry: { attempts: 3 } }, 'opts.retry.attempts'],
    [{ healthCheckIntervalMs: 2 ** 31 }, 'opts.healthCheckIntervalMs'],
    [{ healthCheckIntervalMs: 1.5 }, 'opts.healthCheckIntervalMs'],
  ] as [StreamClientOptions, string][]) {
    expectThrows(() => new StreamVideoClient('key', opts), 'invalid_argument', argument);
  }
});

test.run();
