/**
 * Runs the chaos scenario (test/helpers/chaos.ts) for many seeds and prints, per seed and in
 * total: the faults injected by kind, the events delivered, lost and duplicated, and whether
 * every store and event stream equals the fault-free reference.
 *
 *   npm run chaos -- --seeds 50            # seeds 1..50
 *   npm run chaos -- --seeds 10 --from 100 # seeds 100..109
 *   npm run chaos -- --seeds 1 --from 7 --verbose   # the faults drawn for each step
 *
 * Exits 1 when any seed fails. Each seed is bounded (its waits, and 60 s in all).
 */
import { addTally, CHAOS_USERS, diffRuns, runChaosScenario, type ChaosResult, type FaultTally } from '../test/helpers/chaos';
import { withTimeout } from '../test/helpers/sdk';

function parseArgs(argv: string[]): { seeds: number; from: number; verbose: boolean } {
  const out = { seeds: 20, from: 1, verbose: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = Number(argv[++i]);
      if (!Number.isInteger(v) || v < 0) throw new Error(`${arg} needs a whole number`);
      return v;
    };
    if (arg === '--seeds') out.seeds = value();
    else if (arg === '--from') out.from = value();
    else if (arg === '--verbose' || arg === '-v') out.verbose = true;
    else if (arg === '--help' || arg === '-h') {
      console.log('usage: npm run chaos -- [--seeds N] [--from SEED] [--verbose]');
      process.exit(0);
    } else throw new Error(`unknown argument "${arg}" (try --help)`);
  }
  if (out.seeds < 1 || out.seeds > 10_000) throw new Error('--seeds must be between 1 and 10000');
  return out;
}

const SEED_BOUND_MS = 60_000;

async function main(): Promise<number> {
  const args = parseArgs(process.argv.slice(2));
  const startedAt = Date.now();
  const reference = await withTimeout(runChaosScenario({ seed: 0, faults: false }), SEED_BOUND_MS, 'the reference run');
  const refEvents = CHAOS_USERS.reduce((n, u) => n + reference.seqs[u].delivered, 0);
  console.log(`reference (no faults): ${reference.steps.length} steps, ${refEvents} events, ${reference.durationMs} ms`);

  let total: FaultTally = { unavailable: 0, internal: 0, dropped: 0, silenced: 0, delayedFrames: 0 };
  let delivered = 0;
  let lost = 0;
  let duplicated = 0;
  let retries = 0;
  let reconnects = 0;
  const failed: number[] = [];
  for (let seed = args.from; seed < args.from + args.seeds; seed++) {
    let run: ChaosResult;
    try {
      run = await withTimeout(
        runChaosScenario({ seed, faults: true, log: args.verbose ? (line) => console.log(line) : undefined }),
        SEED_BOUND_MS,
        `seed ${seed}`,
      );
    } catch (err) {
      failed.push(seed);
      console.log(`seed ${seed}: FAILED ${err instanceof Error ? err.message : String(err)}`);
      continue;
    }
    const diff = diffRuns(reference, run);
    const seqs = CHAOS_USERS.map((u) => run.seqs[u]);
    const d = seqs.reduce((n, r) => n + r.delivered, 0);
    const l = seqs.reduce((n, r) => n + r.lost, 0);
    const dup = seqs.reduce((n, r) => n + r.duplicated, 0);
    delivered += d;
    lost += l;
    duplicated += dup;
    retries += run.actionRetries;
    reconnects += run.reconnects;
    total = addTally(total, run.injected);
    const f = run.injected;
    console.log(
      `seed ${seed}: ${diff.length === 0 ? 'ok' : 'DIFFERS'}  faults: unavailable=${f.unavailable} internal=${f.internal} dropped=${f.dropped} ` +
        `silenced=${f.silenced} delayedFrames=${f.delayedFrames}  retries=${run.actionRetries} reconnects=${run.reconnects}  ` +
        `events=${d} lost=${l} duplicated=${dup}  ${run.durationMs} ms`,
    );
    if (diff.length > 0) {
      failed.push(seed);
      for (const line of diff) console.log(`    ${line}`);
    }
  }
  const runs = args.seeds;
  console.log('');
  console.log(
    `seeds run: ${runs} (${args.from}..${args.from + runs - 1}), passed: ${runs - failed.length}, failed: ${failed.length}${failed.length ? ` [${failed.join(', ')}]` : ''}`,
  );
  console.log(
    `faults injected: unavailable=${total.unavailable} internal=${total.internal} dropped sockets=${total.dropped} ` +
      `silenced sockets=${total.silenced} delayed frames=${total.delayedFrames}`,
  );
  console.log(`actions retried: ${retries}, reconnects: ${reconnects}`);
  console.log(`events delivered: ${delivered}, lost: ${lost}, duplicated: ${duplicated}`);
  console.log(`time: ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
  return failed.length === 0 && lost === 0 && duplicated === 0 ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  },
);
