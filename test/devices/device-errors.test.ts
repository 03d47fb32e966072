/**
 * Device errors (src/devices/device-errors.ts) and device list changes
 * (`changes` in src/devices/input-device-manager.ts): each browser error name becomes its
 * code and `meta.reason`, keeping the cause; a device is lost only when it leaves the list,
 * and a preferred one is taken back only when it appears.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { toDeviceError } from '../../src/devices/device-errors';
import { changes, checkDeviceId } from '../../src/devices/input-device-manager';
import { StreamVideoError } from '../../src/errors/stream-video-error';

const test = suite('device errors and changes');

/** A browser-like error: a DOMException where Node has one. */
const browserError = (name: string) => new DOMException(`simulated ${name}`, name);

test('each getUserMedia error becomes a typed error with its reason and kind, the browser error as cause', () => {
  const cases: [string, string, string][] = [
    ['NotAllowedError', 'permission_denied', 'device_permission'],
    ['SecurityError', 'permission_denied', 'device_permission'],
    ['NotFoundError', 'not_found', 'device_not_found'],
    ['OverconstrainedError', 'not_found', 'device_not_found'],
    ['NotReadableError', 'failed_precondition', 'device_in_use'],
    ['AbortError', 'failed_precondition', 'device_in_use'],
  ];
  for (const [name, code, reason] of cases) {
    const cause = browserError(name);
    const err = toDeviceError(cause, 'camera.enable', 'videoinput');
    assert.instance(err, StreamVideoError);
    assert.equal([err.code, err.meta, err.method, err.cause], [code, { reason, kind: 'videoinput' }, 'camera.enable', cause], name);
  }
});

test('anything else is not swallowed: StreamVideoError.from, or the error itself', () => {
  const own = new StreamVideoError('permission_denied', 'needs send-video', { meta: { capability: 'send-video' } });
  assert.is(toDeviceError(own, 'camera.enable', 'videoinput'), own);
  const other = toDeviceError(new Error('boom'), 'camera.enable', 'videoinput');
  assert.equal([other.code, other.method], ['unknown', 'camera.enable']);
  assert.is(toDeviceError(new TypeError('bad constraint'), 'microphone.enable', 'audioinput').code, 'network');
});

test('a device is lost when it leaves the list; one never listed (a processed track) never is', () => {
  assert.equal(changes(['a', 'b'], ['a'], 'b', undefined), { lost: true, back: false });
  assert.equal(changes(['a'], ['a'], 'processed', undefined), { lost: false, back: false });
  assert.equal(changes([], ['a'], 'b', undefined), { lost: false, back: false }, 'the first list');
});

test('a preferred device is taken back when it appears, once', () => {
  assert.equal(changes(['a'], ['a', 'b'], 'a', 'b'), { lost: false, back: true });
  assert.equal(changes(['a', 'b'], ['a', 'b'], 'a', 'b'), { lost: false, back: false }, 'already there: no flapping');
  assert.equal(changes(['a'], ['a', 'b'], 'b', 'b'), { lost: false, back: false }, 'in use already');
  assert.equal(changes(['b'], ['a'], 'b', 'b'), { lost: true, back: false });
});

test('a device id argument is a non-empty string or undefined', () => {
  checkDeviceId('camera.select', undefined);
  checkDeviceId('camera.select', 'abc');
  for (const bad of ['', 42, null, {}]) {
    try {
      checkDeviceId('camera.select', bad);
      assert.unreachable(`accepted ${JSON.stringify(bad)}`);
    } catch (err) {
      assert.instance(err, StreamVideoError);
      assert.equal([(err as StreamVideoError).code, (err as StreamVideoError).meta.argument], ['invalid_argument', 'deviceId']);
    }
  }
});

test.run();
