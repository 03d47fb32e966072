/**
 * The heartbeat's verdict: a server that stops answering is declared silent; a process that
 * stalls (a long synchronous task) does not count its own stall as the server's silence.
 */
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Heartbeat, probeInterval, SERVER_INTERVAL_RANGE } from '../../src/ws/heartbeat';

const test = suite('Heartbeat');

/** Blocks the event loop for `ms` (a long synchronous task). */
function stall(ms: number): void {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    // busy: no timer, no I/O runs
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

test('a server that answers every probe is never silent, even across stalls of the process', async () => {
  let silent = 0;
  let probes = 0;
  const beat: Heartbeat = new Heartbeat({
    intervalMs: 10,
    deadAfterMs: 30,
    // the "server" answers on the next turn of the event loop, like a peer in the same process
    probe: () => void (probes++, setImmediate(() => beat.received())),
    onSilent: () => void silent++,
  });
  try {
    for (let i = 0; i < 5; i++) {
      stall(120); // four dead-after windows with no chance to read anything
      while (probes < (i + 1) * 3 && silent === 0) await turn();
    }
    assert.is(silent, 0, 'the stalls were not taken for silence');
  } finally {
    beat.stop();
  }
});

test('a server that stops answering is declared silent once, and the heartbeat stops', async () => {
  let silent = 0;
  const beat = new Heartbeat({ intervalMs: 10, deadAfterMs: 30, probe: () => {}, onSilent: () => void silent++ });
  while (silent === 0) await turn();
  for (let i = 0; i < 50; i++) await turn();
  assert.is(silent, 1);
  beat.stop();
});

test('the interval: the option when given, else the server’s clamped to a sane range', () => {
  assert.is(probeInterval(25, 1), 25);
  assert.is(probeInterval(undefined, 1), SERVER_INTERVAL_RANGE.min, 'a server announcing 1 ms does not flood the socket');
  assert.is(probeInterval(undefined, 2 ** 32 - 1), SERVER_INTERVAL_RANGE.max, 'nor overflows a timer');
  assert.is(probeInterval(undefined, 0), 10_000);
  assert.is(probeInterval(undefined, 20_000), 20_000);
});

test.run();
