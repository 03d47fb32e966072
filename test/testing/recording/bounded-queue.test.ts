/**
 * Post-processing's bounds: at most `concurrency` tasks at once in their order, each within
 * its time (its signal aborts with `timeout`), and closing aborts the running and fails the
 * waiting.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BoundedQueue } from '../../../src/testing/recording/bounded-queue';
import { RecordingError } from '../../../src/testing/recording/recording-error';

/** A task that runs until `release()`, noting when it starts. */
function gate(log: string[], name: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  return {
    release: () => release(),
    task: async () => {
      log.push(`start ${name}`);
      await released;
      log.push(`end ${name}`);
      return name;
    },
  };
}

/** Lets every pending promise callback run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

test('at most `concurrency` at once, in queued order; an ending task hands its place to the next', async () => {
  const log: string[] = [];
  const queue = new BoundedQueue(2, 60_000);
  const gates = ['a', 'b', 'c', 'd'].map((n) => gate(log, n));
  const results = gates.map((g) => queue.run(g.task));
  await settle();
  assert.equal(log, ['start a', 'start b']);
  assert.equal([queue.active, queue.queued], [2, 2]);
  gates[1].release();
  await settle();
  assert.equal(log, ['start a', 'start b', 'end b', 'start c']);
  // A task queued now waits behind d, however the places free up.
  const e = gate(log, 'e');
  const late = queue.run(e.task);
  gates[0].release();
  await settle();
  assert.equal(log.slice(4), ['end a', 'start d']);
  gates[2].release();
  gates[3].release();
  e.release();
  assert.equal(await Promise.all([...results, late]), ['a', 'b', 'c', 'd', 'e']);
  assert.equal([queue.active, queue.queued], [0, 0]);
});

test("a task past its time: its signal aborts with reason 'timeout'; the next one runs", async () => {
  const queue = new BoundedQueue(1, 30);
  const reason = queue.run((signal) => new Promise((resolve) => signal.addEventListener('abort', () => resolve(signal.reason))));
  const next = queue.run(async (signal) => signal.aborted);
  assert.is(await reason, 'timeout');
  assert.is(await next, false);
});

test("close: running tasks abort with reason 'closed', waiting ones fail unstarted, later ones are refused", async () => {
  const queue = new BoundedQueue(1, 60_000);
  let started = 0;
  const running = queue.run(
    (signal) =>
      new Promise((resolve) => {
        started++;
        signal.addEventListener('abort', () => resolve(signal.reason));
      }),
  );
  const waiting = queue.run(async () => void started++);
  await settle();
  queue.close();
  assert.is(await running, 'closed');
  const err = await waiting.then(
    () => undefined,
    (e: unknown) => e,
  );
  assert.instance(err, RecordingError);
  assert.is((err as RecordingError).code, 'processing_failed');
  assert.is(started, 1);
  await queue
    .run(async () => 1)
    .then(
      () => assert.unreachable('ran after close'),
      (e: unknown) => assert.instance(e, RecordingError),
    );
});

test.run();
