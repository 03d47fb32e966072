/**
 * SignalChannel, the outgoing half of signalling, over a transport the test answers by hand:
 * numbering per target, one request at a time carrying everything queued, the same numbers
 * again after a failure, targets that leave while a request is in flight, and the receiving
 * side's dedup. (Its use through the coordinator: test/media/media-session.test.ts.)
 */
import * as assert from 'uvu/assert';
import type { OutgoingSignals, SendSignalsResponse } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { StreamVideoError } from '../../src/errors/stream-video-error';
import { SignalChannel, type SignalKind } from '../../src/media/signal-channel';
import { fileSuite, WAIT_MS, within } from '../helpers/common';

/** A transport whose requests wait for the test to answer them. */
function manual() {
  const requests: { targets: OutgoingSignals[]; resolve: (r: SendSignalsResponse) => void; reject: (e: unknown) => void }[] = [];
  let waiter: (() => void) | undefined;
  const transport = (targets: OutgoingSignals[]) =>
    new Promise<SendSignalsResponse>((resolve, reject) => {
      requests.push({ targets, resolve, reject });
      waiter?.();
    });
  /** Resolves with request `n` (0-based) once it was sent; rejects when it never is. */
  const request = async (n: number) => {
    const sent = (async () => {
      while (requests.length <= n) await new Promise<void>((r) => (waiter = r));
      return requests[n];
    })();
    return within(sent, `request #${n + 1} was never sent`, WAIT_MS);
  };
  return { requests, transport, request };
}

const ok: SendSignalsResponse = { delivered: 0, duplicates: 0, undeliverable: 0 };
const restart: SignalKind = { oneofKind: 'iceRestart', iceRestart: {} };
const cand = (n: number): SignalKind => ({ oneofKind: 'candidate', candidate: { candidate: `c${n}`, sdpMid: '0', sdpMLineIndex: 0, usernameFragment: '' } });
const shape = (targets: OutgoingSignals[]) => targets.map((t) => [t.toSessionId, t.signals.map((s) => s.seq)]);
const silent = () => {};

const test = fileSuite(import.meta.url);

test('numbers per target; what is queued while a request is in flight goes together in the next one', async () => {
  const m = manual();
  const channel = new SignalChannel(m.transport, silent);
  channel.send('a', restart);
  channel.send('b', restart);
  channel.send('a', cand(1));
  const first = await m.request(0);
  assert.equal(
    shape(first.targets),
    [
      ['a', [1, 2]],
      ['b', [1]],
    ],
    'one request, each target in order',
  );
  channel.send('a', cand(2));
  channel.send('a', cand(3));
  channel.send('b', cand(4));
  await new Promise((r) => setTimeout(r, 5));
  assert.is(m.requests.length, 1, 'one request at a time');
  first.resolve(ok);
  const second = await m.request(1);
  assert.equal(shape(second.targets), [
    ['a', [3, 4]],
    ['b', [2]],
  ]);
  second.resolve(ok);
  await channel.idle();
  assert.is(channel.requests, 2);
  channel.close();
});

test('a failed request is sent again with the same numbers, with what was queued since', async () => {
  const m = manual();
  const channel = new SignalChannel(m.transport, silent);
  channel.send('a', cand(1));
  const first = await m.request(0);
  channel.send('a', cand(2));
  first.reject(new StreamVideoError('unavailable', 'down'));
  const again = await m.request(1);
  assert.equal(shape(again.targets), [['a', [1, 2]]]);
  again.resolve(ok);
  await channel.idle();
  channel.close();
});

test("resource_exhausted for the coordinator's signal rate is sent again after the backoff; for a generation rate it is dropped", async () => {
  const m = manual();
  const channel = new SignalChannel(m.transport, silent);
  channel.send('a', cand(1));
  (await m.request(0)).reject(new StreamVideoError('resource_exhausted', 'too fast', { meta: { reason: 'signal_rate', to_session_id: 'a' } }));
  const again = await m.request(1);
  assert.equal(shape(again.targets), [['a', [1]]], 'the same signal, the same number');
  again.reject(new StreamVideoError('resource_exhausted', 'too often', { meta: { reason: 'generation_rate', to_session_id: 'a' } }));
  await channel.idle();
  channel.send('a', cand(2));
  const next = await m.request(2);
  assert.equal(shape(next.targets), [['a', [2]]], 'the refused one is not sent again');
  next.resolve(ok);
  await channel.idle();
  channel.close();
});

test('a target that leaves while a request is in flight: the other targets lose nothing', async () => {
  const m = manual();
  const channel = new SignalChannel(m.transport, silent);
  channel.send('gone', cand(1));
  channel.send('gone', cand(2));
  channel.send('stays', cand(3));
  const first = await m.request(0);
  channel.send('stays', cand(4));
  channel.send('stays', cand(5));
  channel.forget('gone'); // its participant_left arrived meanwhile
  first.resolve(ok);
  const second = await m.request(1);
  assert.equal(shape(second.targets), [['stays', [2, 3]]], 'the signals queued behind the request are still sent');
  second.resolve(ok);
  await channel.idle();
  channel.close();
});

test('permission_denied naming a target drops that target; another refusal drops the request; disconnected drops all', async () => {
  const m = manual();
  const logs: string[] = [];
  const channel = new SignalChannel(m.transport, (_l, msg) => void logs.push(msg));
  channel.send('left', cand(1));
  channel.send('here', cand(2));
  (await m.request(0)).reject(new StreamVideoError('permission_denied', 'not a participant', { meta: { to_session_id: 'left' } }));
  const second = await m.request(1);
  assert.equal(shape(second.targets), [['here', [1]]]);
  second.reject(new StreamVideoError('invalid_argument', 'bad'));
  await channel.idle();
  assert.ok(logs.includes('signals were refused'));
  channel.send('here', cand(3));
  const third = await m.request(2);
  assert.equal(shape(third.targets), [['here', [2]]], 'numbering goes on');
  third.reject(new StreamVideoError('disconnected', 'bye'));
  await channel.idle();
  channel.send('here', cand(4));
  const fourth = await m.request(3);
  assert.equal(shape(fourth.targets), [['here', [3]]]);
  fourth.resolve(ok);
  await channel.idle();
  channel.close();
  channel.send('here', cand(5));
  await new Promise((r) => setTimeout(r, 5));
  assert.is(m.requests.length, 4, 'nothing after close');
});

test('at most 16 targets in one request', async () => {
  const m = manual();
  const channel = new SignalChannel(m.transport, silent);
  for (let i = 0; i < 20; i++) channel.send(`s${i}`, cand(i));
  const first = await m.request(0);
  assert.is(first.targets.length, 16);
  first.resolve(ok);
  const second = await m.request(1);
  assert.equal(
    second.targets.map((t) => t.toSessionId),
    ['s16', 's17', 's18', 's19'],
  );
  second.resolve(ok);
  await channel.idle();
  channel.close();
});

test('accept: each (sender, seq) once, in order; a forgotten sender starts again', () => {
  const channel = new SignalChannel(manual().transport, silent);
  assert.equal(
    [1, 2, 2, 1, 3].map((seq) => channel.accept('a', seq)),
    [true, true, false, false, true],
  );
  assert.is(channel.accept('b', 1), true, 'per sender');
  channel.forget('a');
  assert.is(channel.accept('a', 1), true);
  channel.close();
});

test.run();
