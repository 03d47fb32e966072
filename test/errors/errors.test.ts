/**
 * The SDK's named error constructors: the error frame's codes, the URL every connection error
 * names (without credentials, query or fragment), and what a give-up reports.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { connectionError, fromErrorFrame, gaveUp, printableUrl, sessionEnded } from '../../src/errors/errors';
import { StreamVideoError } from '../../src/errors/stream-video-error';

const test = suite('errors');
const URL = 'ws://127.0.0.1:3030/video/connect';

test('an error frame: its code mapped, the server message and reason kept, the URL named', () => {
  const cases: [string, string][] = [
    ['unauthenticated', 'unauthenticated'],
    ['token_expired', 'token_expired'],
    ['auth_timeout', 'timeout'],
    ['invalid_frame', 'malformed'],
    ['frame_too_large', 'invalid_argument'],
    ['too_many_connections', 'internal'],
  ];
  for (const [frame, code] of cases) {
    const err = fromErrorFrame(frame, 'why', URL);
    assert.is(err.code, code, frame);
    assert.is(err.method, 'connect');
    assert.is(err.serverMessage, 'why');
    assert.equal(err.meta, { reason: frame, url: URL });
  }
});

test('the URL an error names has no credentials, query or fragment', () => {
  assert.is(printableUrl('wss://user:secret@video.example.com:8443/connect?token=abc#x'), 'wss://video.example.com:8443/connect');
  assert.is(printableUrl('not a url?token=abc'), 'not a url');
  assert.is(printableUrl('//user:secret@host/x?y'), '//host/x');
  assert.equal(connectionError('network', 'failed', 'ws://h/p?k=v').meta, { url: 'ws://h/p' });
});

test('a give-up: the last error when it names the URL, else one of its code that does, else network', () => {
  const socket = connectionError('timeout', 'slow', URL);
  assert.is(gaveUp(URL, socket), socket);
  const provider = new StreamVideoError('unavailable', 'the token provider failed', { method: 'tokenProvider' });
  const fromProvider = gaveUp(URL, provider);
  assert.is(fromProvider.code, 'unavailable');
  assert.is(fromProvider.meta['url'], URL);
  assert.is(fromProvider.cause, provider);
  const none = gaveUp(URL, undefined);
  assert.is(none.code, 'network');
  assert.is(none.meta['url'], URL);
});

test('a session that ended: disconnected, naming the method', () => {
  const err = sessionEnded('joinCall');
  assert.is(err.code, 'disconnected');
  assert.is(err.method, 'joinCall');
});

test.run();
