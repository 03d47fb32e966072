/**
 * Download URLs: signed with the app secret over the path and the expiry, refused when
 * missing, changed, signed with another secret or expired; and the byte ranges a download
 * answers.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { byteRange } from '../../../src/testing/recording/recording-downloads';
import { pathOf, refOf, UrlSigner } from '../../../src/testing/recording/signed-url';

const NOW = 1_796_000_000_000;
const REF = { type: 'default', id: 'stand-up_1', filename: 'rec_default_stand-up_1_1796000000000.webm' };
const signer = new UrlSigner('local-secret');

test('a signed URL names the recording, expires on the second, and carries no token', () => {
  const url = new URL(signer.sign('http://127.0.0.1:3030', REF, NOW + 60_500));
  assert.is(url.pathname, '/recordings/default/stand-up_1/rec_default_stand-up_1_1796000000000.webm');
  assert.equal([...url.searchParams.keys()], ['expires', 'signature']);
  assert.is(url.searchParams.get('expires'), String(Math.ceil((NOW + 60_500) / 1000)));
  assert.equal(signer.check(url, NOW), REF);
  assert.equal(signer.check(url, NOW + 60_000), REF);
  assert.is(signer.check(url, NOW + 61_000), 'expired');
});

test('refused: no signature, no expiry, another path, another expiry, another secret, a signature cut short', () => {
  const url = new URL(signer.sign('http://h', REF, NOW + 60_000));
  const without = (name: string) => {
    const u = new URL(url);
    u.searchParams.delete(name);
    return signer.check(u, NOW);
  };
  assert.is(without('signature'), 'missing');
  assert.is(without('expires'), 'missing');
  const path = new URL(url);
  path.pathname = pathOf({ ...REF, filename: 'other.webm' });
  assert.is(signer.check(path, NOW), 'invalid');
  const later = new URL(url);
  later.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 1));
  assert.is(signer.check(later, NOW), 'invalid');
  assert.is(new UrlSigner('other-secret').check(url, NOW), 'invalid');
  const short = new URL(url);
  short.searchParams.set('signature', url.searchParams.get('signature')!.slice(0, 10));
  assert.is(signer.check(short, NOW), 'invalid');
  const junk = new URL(url);
  junk.searchParams.set('expires', '1e99');
  assert.is(signer.check(junk, NOW), 'invalid');
});

test('paths: each part encoded, and read back; other shapes name nothing', () => {
  const odd = { type: 'default', id: 'a b', filename: 'x%y.webm' };
  assert.is(pathOf(odd), '/recordings/default/a%20b/x%25y.webm');
  assert.equal(refOf(pathOf(odd)), odd);
  assert.is(refOf('/recordings/default/x'), undefined);
  assert.is(refOf('/recordings/default/x/y/z'), undefined);
  assert.is(refOf('/recordings/default/x/%E0%A4%A'), undefined);
  assert.is(refOf('/other/default/x/y'), undefined);
});

test('byteRange: one range within the file, a suffix, an open end; several ranges or other units send it whole; past the end is unsatisfiable', () => {
  assert.equal(byteRange('bytes=0-99', 1000), [0, 99]);
  assert.equal(byteRange('bytes=900-', 1000), [900, 999]);
  assert.equal(byteRange('bytes=-100', 1000), [900, 999]);
  assert.equal(byteRange('bytes=-5000', 1000), [0, 999]);
  assert.equal(byteRange('bytes=990-2000', 1000), [990, 999]);
  assert.is(byteRange(undefined, 1000), undefined);
  assert.is(byteRange('bytes=0-1,5-6', 1000), undefined);
  assert.is(byteRange('items=0-1', 1000), undefined);
  assert.is(byteRange('bytes=-', 1000), undefined);
  assert.is(byteRange('bytes=1000-', 1000), 'unsatisfiable');
  assert.is(byteRange('bytes=5-1', 1000), 'unsatisfiable');
  assert.is(byteRange('bytes=-0', 1000), 'unsatisfiable');
});

test.run();
