/**
 * Chaos: the three-user scenario of test/helpers/chaos.ts, once without faults (the
 * reference), then under seeded random faults (dropped and silent sockets, delayed frames,
 * RPCs failing with `unavailable` / `internal`). Every faulty run must end with the same
 * stores as the reference (after every step, not only at the end), the same events per user,
 * and seq numbers strictly consecutive from 1 to the server's last: none lost, none twice.
 * More seeds: `npm run chaos -- --seeds 50`.
 */
import * as assert from 'uvu/assert';
import { addTally, CHAOS_USERS, diffRuns, runChaosScenario, type ChaosResult, type FaultTally } from '../helpers/chaos';
import { fileSuite } from '../helpers/common';

/** Seeds run by `npm test`: ~0.5 s each. */
const SEEDS = [1, 2, 3, 4, 5, 6, 7, 8];

const test = fileSuite<{ reference: ChaosResult }>(import.meta.url, { reference: undefined as never });

test.before(async (ctx) => {
  ctx.reference = await runChaosScenario({ seed: 0, faults: false });
});

test('the reference run (no faults) goes through every step as expected', ({ reference }) => {
  const after = (name: string) => {
    const step = reference.steps.find((s) => s.name === name);
    if (!step) throw new Error(`no step "${name}"`);
    return step.snapshots;
  };
  assert.equal(after('alice rings bob and carol').bob.pending, ['incoming default:chaos']);
  assert.equal(after('alice rings bob and carol').carol.pending, ['incoming default:chaos']);
  assert.equal(after('alice rings bob and carol').alice.pending, ['outgoing default:chaos']);
  assert.equal(after('bob accepts').alice.accepted, 'default:chaos by bob');
  assert.equal(after('bob accepts').alice.pending, []);
  assert.equal(after('carol rejects').carol.pending, []);
  assert.equal(after('alice joins').bob.participants, ['alice', 'bob']);
  assert.equal(after('bob requests screenshare').alice.permissionRequest, 'bob: screenshare');
  assert.ok(after('alice grants screenshare').bob.ownCapabilities.includes('screenshare'));
  assert.not.ok(after('bob accepts').bob.ownCapabilities.includes('screenshare'));
  assert.is(after('alice starts recording').bob.recording, true);
  assert.is(after('alice stops recording').bob.recording, false);
  assert.equal(after('carol joins').carol.participants, ['alice', 'bob', 'carol']);
  assert.equal(after('carol leaves').alice.participants, ['alice', 'bob']);
  assert.is(after('carol leaves').carol.active, undefined);
  for (const u of CHAOS_USERS) {
    assert.equal(reference.final[u].user, u);
    assert.equal(reference.final[u].pending, []);
    assert.is(reference.final[u].active, undefined);
    assert.ok(reference.seqs[u].consecutive && reference.seqs[u].delivered > 10, `${u}: ${JSON.stringify(reference.seqs[u])}`);
  }
  assert.is(reference.actionRetries, 0);
  assert.equal(reference.injected, { unavailable: 0, internal: 0, dropped: 0, silenced: 0, delayedFrames: 0 });
});

test(`under seeded faults (seeds ${SEEDS.join(', ')}), every store and event stream equals the reference`, async ({ reference }) => {
  let total: FaultTally = { unavailable: 0, internal: 0, dropped: 0, silenced: 0, delayedFrames: 0 };
  let retries = 0;
  let delivered = 0;
  const failures: string[] = [];
  for (const seed of SEEDS) {
    const run = await runChaosScenario({ seed, faults: true });
    const diff = diffRuns(reference, run);
    if (diff.length > 0) failures.push(`seed ${seed}:\n  ${diff.join('\n  ')}`);
    total = addTally(total, run.injected);
    retries += run.actionRetries;
    for (const u of CHAOS_USERS) delivered += run.seqs[u].delivered;
  }
  console.log(`  chaos: ${SEEDS.length} seeds, faults ${JSON.stringify(total)}, ${retries} actions retried, ${delivered} events delivered`);
  assert.equal(failures, [], failures.join('\n'));
  // The seeds do exercise every kind of fault.
  for (const [kind, n] of Object.entries(total)) assert.ok(n > 0, `no "${kind}" fault fired over the seeds`);
  assert.ok(retries > 0, 'some action was retried');
});

test('the same seed draws the same faults', async () => {
  const plans: string[][] = [];
  for (let i = 0; i < 2; i++) {
    const lines: string[] = [];
    await runChaosScenario({ seed: 42, faults: true, log: (l) => lines.push(l) });
    plans.push(lines);
  }
  assert.ok(plans[0].length > 0);
  assert.equal(plans[0], plans[1]);
});

test.run();
