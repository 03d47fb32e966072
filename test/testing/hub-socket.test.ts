/**
 * Oversized client frames (src/testing/hub/hub-socket.ts): whatever the phase, a frame over
 * `maxFrameBytes` gets a `frame_too_large` ConnectionError frame first, then close 4006 (a
 * documented code), and is refused from its header: the server answers a frame that claims
 * 1 GiB although its payload never arrives, so nothing larger than the limit is ever buffered.
 */
import { connect } from 'node:net';
import { randomBytes } from 'node:crypto';
import * as assert from 'uvu/assert';
import { ServerFrame } from '../../gen/stream/video/coordinator/v1/events';
import type { LocalCoordinator } from '../../src/testing/local-coordinator';
import { CLOSE_CODES } from '../../src/ws/close-codes';
import { RawClient, Scope } from '../helpers/channel';
import { User } from '../../gen/stream/video/coordinator/v1/models';
import { fileSuite, Signal, until, within } from '../helpers/common';

const scope = new Scope();
const test = fileSuite(import.meta.url);
test.after.each(() => scope.close());

const USER = User.create({ id: 'bob', name: 'Bob', imageUrl: '', role: '' });

/** A raw client authenticated as bob and live. */
async function live(c: LocalCoordinator): Promise<RawClient> {
  const raw = scope.raw(c.wsUrl);
  await raw.opened;
  raw.send({ oneofKind: 'auth', auth: { apiKey: c.apiKey, token: await c.createToken('bob'), user: USER } });
  await raw.until(() => raw.framesOf('connectionOk').length === 1, 'connection ok');
  return raw;
}

/** Asserts the hub's answer to an oversized frame: the error frame (the last frame), then 4006. */
async function assertRefused(raw: RawClient, what: string): Promise<void> {
  const { code } = await raw.closed;
  assert.is(code, CLOSE_CODES.FRAME_TOO_LARGE, `${what}: close code`);
  const last = raw.frames[raw.frames.length - 1]?.frame;
  assert.is(last?.oneofKind, 'error', `${what}: the error frame came last, before the close`);
  assert.is(last?.oneofKind === 'error' ? last.error.code : '', 'frame_too_large', `${what}: error code`);
}

test('a frame one byte over the limit, before auth and when live: frame_too_large, then 4006', async () => {
  const c = await scope.coordinator();
  const fresh = scope.raw(c.wsUrl);
  await fresh.opened;
  fresh.ws.send(new Uint8Array(64 * 1024 + 1));
  await assertRefused(fresh, 'before auth');
  assert.is(fresh.frames.length, 1, 'nothing but the error frame');

  const raw = await live(c);
  raw.ws.send(new Uint8Array(64 * 1024 + 1));
  await assertRefused(raw, 'live');
  await until(() => c.hub.connectionCount === 0, 'the hub to forget both sockets');

  // the hub goes on: a new client is served
  const again = await live(c);
  c.events.publish(['bob'], 'default:x', { oneofKind: 'custom', custom: { user: undefined, custom: undefined } });
  await again.until(() => again.framesOf('event').length === 1, 'an event after the refusals');
});

test('a frame of exactly the limit is read (and refused as garbage: 4000, not 4006)', async () => {
  const c = await scope.coordinator({ hub: { maxFrameBytes: 2048 } });
  const raw = scope.raw(c.wsUrl);
  await raw.opened;
  raw.ws.send(new Uint8Array(2048)); // zeros: field number 0 is not protobuf
  assert.is((await raw.closed).code, CLOSE_CODES.INVALID_FRAME);
  assert.is(raw.framesOf('error')[0]?.error.code, 'invalid_frame');

  const over = scope.raw(c.wsUrl);
  await over.opened;
  over.ws.send(new Uint8Array(2049));
  await assertRefused(over, 'a configured limit of 2048');
});

test('a message over the limit in fragments each under it: frame_too_large, then 4006', async () => {
  const c = await scope.coordinator();
  const raw = await live(c);
  const part = new Uint8Array(30 * 1024);
  raw.ws.send(part, { fin: false, binary: true });
  raw.ws.send(part, { fin: false, binary: true });
  raw.ws.send(part, { fin: true, binary: true }); // 90 KiB in all
  await assertRefused(raw, 'fragmented');
});

test('a header that claims 1 GiB is answered at once, without its payload', async () => {
  const c = await scope.coordinator();
  const { port } = new URL(c.baseUrl);
  const socket = connect(Number(port), '127.0.0.1');
  const received = new Signal();
  let bytes = Buffer.alloc(0);
  let ended = false;
  socket.on('data', (d: Buffer) => {
    bytes = Buffer.concat([bytes, d]);
    received.notify();
  });
  socket.on('close', () => {
    ended = true;
    received.notify();
  });
  try {
    await within(new Promise((resolve) => socket.once('connect', resolve)), 'the TCP connection');
    socket.write(
      `GET /video/connect HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
    await received.until(() => bytes.includes('\r\n\r\n'), 'the 101 answer');
    const head = bytes.subarray(0, bytes.indexOf('\r\n\r\n') + 4).toString();
    assert.ok(head.startsWith('HTTP/1.1 101'), 'upgraded');
    bytes = bytes.subarray(head.length);
    // FIN + binary, masked, 64-bit length 2^30, a mask; and then nothing of the payload.
    const header = Buffer.alloc(14);
    header[0] = 0x82;
    header[1] = 0x80 | 127;
    header.writeBigUInt64BE(2n ** 30n, 2);
    randomBytes(4).copy(header, 10);
    socket.write(header);

    await received.until(() => parseFrames(bytes).some((f) => f.opcode === 0x8), 'a close frame');
    const frames = parseFrames(bytes);
    assert.equal(
      frames.map((f) => f.opcode),
      [0x2, 0x8],
      'an error frame (binary), then the close',
    );
    const error = ServerFrame.fromBinary(frames[0].payload).frame;
    assert.is(error.oneofKind === 'error' ? error.error.code : '', 'frame_too_large');
    assert.is(frames[1].payload.readUInt16BE(0), CLOSE_CODES.FRAME_TOO_LARGE);
  } finally {
    socket.destroy();
    await received.until(() => ended, 'the TCP socket to close');
  }
});

/** The unmasked server frames in `bytes` (complete ones only). */
function parseFrames(bytes: Buffer): { opcode: number; payload: Buffer }[] {
  const frames: { opcode: number; payload: Buffer }[] = [];
  let i = 0;
  while (i + 2 <= bytes.length) {
    const opcode = bytes[i] & 0x0f;
    let length = bytes[i + 1] & 0x7f;
    let at = i + 2;
    if (length === 126) {
      if (at + 2 > bytes.length) break;
      length = bytes.readUInt16BE(at);
      at += 2;
    } else if (length === 127) {
      if (at + 8 > bytes.length) break;
      length = Number(bytes.readBigUInt64BE(at));
      at += 8;
    }
    if (at + length > bytes.length) break;
    frames.push({ opcode, payload: bytes.subarray(at, at + length) });
    i = at + length;
  }
  return frames;
}

test.run();
