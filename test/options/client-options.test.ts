/**
 * The client's options are checked when the client is made: a value a timer cannot hold
 * (2^31 ms or more, Infinity) would fire every millisecond instead (issue 14, item 5); the
 * cap on RPC answers must be a usable number of bytes (item 6).
 */
import * as assert from 'uvu/assert';
import { TwirpFetchTransport } from '@protobuf-ts/twirp-transport';
import { StreamVideoClient } from '../../src/index-node';
import { StreamVideoClient as UniversalClient, type Logger, type MediaDevicesLike } from '../../src/index';
import { DEFAULT_MAX_RESPONSE_BYTES } from '../../src/options/client-options';
import { OPTION_INTERVAL_RANGE } from '../../src/ws/heartbeat';
import { expectThrows } from '../helpers/sdk';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);

test('healthCheckIntervalMs: 2^31, 2^31 - 1, Infinity, NaN and values past the range are invalid_argument', () => {
  for (const bad of [2 ** 31, 2 ** 31 - 1, 2 ** 32 - 1, Infinity, NaN, OPTION_INTERVAL_RANGE.max + 1, OPTION_INTERVAL_RANGE.min - 1, 0, -1, '1000']) {
    expectThrows(() => new StreamVideoClient('key', { healthCheckIntervalMs: bad as number }), 'invalid_argument', 'opts.healthCheckIntervalMs');
  }
});

test('healthCheckIntervalMs: both ends of the range are accepted', () => {
  assert.equal(OPTION_INTERVAL_RANGE, { min: 5, max: 3_600_000 });
  for (const good of [OPTION_INTERVAL_RANGE.min, 1000, OPTION_INTERVAL_RANGE.max]) {
    assert.instance(new StreamVideoClient('key', { healthCheckIntervalMs: good }), StreamVideoClient);
  }
});

test('maxResponseBytes: a whole number from 1,024 to 1 GiB; anything else is invalid_argument', () => {
  for (const bad of [0, -1, 1023, 1024.5, 2 ** 30 + 1, Infinity, NaN, '8388608']) {
    expectThrows(() => new StreamVideoClient('key', { maxResponseBytes: bad as number }), 'invalid_argument', 'opts.maxResponseBytes');
  }
  for (const good of [1024, DEFAULT_MAX_RESPONSE_BYTES, 2 ** 30]) {
    assert.instance(new StreamVideoClient('key', { maxResponseBytes: good }), StreamVideoClient);
  }
  assert.is(DEFAULT_MAX_RESPONSE_BYTES, 8 * 1024 * 1024);
});

test('mediaDevices and devicePreferences: objects with the members the SDK calls, or invalid_argument', () => {
  const devices: MediaDevicesLike = {
    getUserMedia: () => Promise.reject(new Error('unused')),
    enumerateDevices: async () => [],
    addEventListener() {},
    removeEventListener() {},
  };
  for (const bad of [{}, { ...devices, getUserMedia: undefined }, { ...devices, addEventListener: 1 }, 'navigator.mediaDevices', null]) {
    expectThrows(() => new StreamVideoClient('key', { mediaDevices: bad as never }), 'invalid_argument', 'opts.mediaDevices');
  }
  for (const bad of [{ get() {} }, { set() {} }, [], 7]) {
    expectThrows(() => new StreamVideoClient('key', { devicePreferences: bad as never }), 'invalid_argument', 'opts.devicePreferences');
  }
  assert.instance(new StreamVideoClient('key', { mediaDevices: devices, devicePreferences: { get: () => undefined, set() {} } }), StreamVideoClient);
});

test('maxResponseBytes where nothing enforces it (the universal entry, or a custom transport) is accepted and warned about', () => {
  const warnings = (make: (logger: Logger) => unknown) => {
    const seen: [string, Record<string, unknown> | undefined][] = [];
    make((level, _message, extra) => void seen.push([level, extra]));
    return seen;
  };
  assert.equal(
    warnings((logger) => new UniversalClient('key', { maxResponseBytes: 4096, logger })),
    [['warn', { reason: 'runtime' }]],
  );
  const transport = new TwirpFetchTransport({ baseUrl: 'http://127.0.0.1:9/twirp' });
  assert.equal(
    warnings((logger) => new StreamVideoClient('key', { maxResponseBytes: 4096, transport, logger })),
    [['warn', { reason: 'custom_transport' }]],
  );
  // enforced: nothing to say; not set: nothing to say
  assert.equal(
    warnings((logger) => new StreamVideoClient('key', { maxResponseBytes: 4096, logger })),
    [],
  );
  assert.equal(
    warnings((logger) => new UniversalClient('key', { logger })),
    [],
  );
});

test.run();
