/**
 * Argument errors that say the right thing (issue 25, item 6): a value of the wrong type is
 * `invalid_argument` with `meta.reason = "type"`, the type wanted in `meta.expected` and the one
 * given in `meta.received`; a value of the right type that is not allowed has its own
 * `meta.reason` (`format`, `empty`, `too_long`, `out_of_range`, `unknown_value`). Checked
 * through the facade, before any request: codes and meta, never the message.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { CALL_CONFIG } from '../../src/index-node';
import { expectError, Harness } from '../helpers/sdk';

const test = suite<{ h: Harness }>('argument errors', { h: undefined as never });
test.before.each(async (ctx) => {
  ctx.h = await Harness.start();
});
test.after.each(async (ctx) => {
  await ctx.h.close();
});

/** Asserts the error's `meta` (its other keys, like a suggestion, are not looked at). */
function metaOf(err: { meta: Readonly<Record<string, string>> }, keys: readonly string[]): Record<string, string | undefined> {
  return Object.fromEntries(keys.map((k) => [k, err.meta[k]]));
}

test('connectUser: user.id 42 is a type error (a string expected), "a b" a format error', async ({ h }) => {
  const alice = h.client();
  const typed = await expectError(alice.connectUser({ id: 42 as never }, 'x'), 'invalid_argument', 'user.id');
  assert.equal(metaOf(typed, ['reason', 'expected', 'received']), { reason: 'type', expected: 'string', received: 'number' });
  const format = await expectError(alice.connectUser({ id: 'a b' }, 'x'), 'invalid_argument', 'user.id');
  assert.equal(metaOf(format, ['reason', 'expected']), { reason: 'format', expected: undefined });
  const name = await expectError(alice.connectUser({ id: 'alice', name: 7 as never }, 'x'), 'invalid_argument', 'user.name');
  assert.equal(metaOf(name, ['reason', 'expected', 'received']), { reason: 'type', expected: 'string', received: 'number' });
  const long = await expectError(alice.connectUser({ id: 'alice', name: 'x'.repeat(1025) }, 'x'), 'invalid_argument', 'user.name');
  assert.is(long.meta['reason'], 'too_long');
  const profile = await expectError(alice.connectUser([] as never, 'x'), 'invalid_argument', 'user');
  assert.equal(metaOf(profile, ['reason', 'expected', 'received']), { reason: 'type', expected: 'object', received: 'array' });
  assert.is(h.c.hub.connectionCount, 0, 'nothing was sent');
});

test('calls and queries: each argument of the wrong type names the type it expects', async ({ h }) => {
  const alice = await h.connect('alice', { callConfig: CALL_CONFIG.meeting });
  const cases: [() => Promise<unknown>, string, string, string][] = [
    [() => alice.joinCall(42 as never, 'default'), 'id', 'string', 'number'],
    [() => alice.joinCall('c1', null as never), 'type', 'string', 'null'],
    [() => alice.queryCalls({}, [], '10' as never), 'limit', 'integer', 'string'],
    [() => alice.queryCalls({}, {} as never), 'sort', 'array', 'object'],
    [() => alice.queryCalls({}, ['created_at'] as never), 'sort[0]', 'object', 'string'],
    [() => alice.requestCallPermissions('c1', 'default', { permissions: 'screenshare' as never }), 'data.permissions', 'array', 'string'],
    [() => alice.requestCallPermissions('c1', 'default', { permissions: [1] as never }), 'data.permissions[0]', 'string', 'number'],
    [() => alice.getOrCreateCall('c1', 'default', { custom: [1] as never }), 'data.custom', 'object', 'array'],
  ];
  for (const [action, argument, expected, received] of cases) {
    const err = await expectError(action, 'invalid_argument', argument);
    assert.equal(metaOf(err, ['reason', 'expected', 'received']), { reason: 'type', expected, received }, argument);
  }
  const values: [() => Promise<unknown>, string, string][] = [
    [() => alice.joinCall('a b', 'default'), 'id', 'format'],
    [() => alice.joinCall('c1', ''), 'type', 'empty'],
    [() => alice.joinCall('c1', 'nope'), 'type', 'unknown_value'],
    [() => alice.queryCalls({}, [], 1000), 'limit', 'out_of_range'],
    [() => alice.requestCallPermissions('c1', 'default', { permissions: [] }), 'data.permissions', 'empty'],
  ];
  for (const [action, argument, reason] of values) {
    const err = await expectError(action, 'invalid_argument', argument);
    assert.equal(metaOf(err, ['reason', 'expected']), { reason, expected: undefined }, argument);
  }
  assert.is(h.c.state.calls.size, 0, 'nothing reached the server');
});

test.run();
