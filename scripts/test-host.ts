/**
 * A process that runs uvu test files one after another for the runner (scripts/run-tests.ts),
 * each file as its name arrives on stdin: loading tsx, the SDK and the local coordinator costs a
 * process about a CPU-second and a half, more than most files' own tests, so a host pays it once
 * for every file it runs.
 *
 * - Files: one test file per line on stdin (a path under test/); the host exits when stdin ends.
 *   Files given as arguments run instead, and the host then exits.
 * - uvu's own way of running several files in a process (as its CLI and `uvu/run` do): with
 *   `UVU_DEFER` set, a file's `test.run()` queues its suites, and `exec()` runs what is queued.
 *   Here the queue is emptied before each file and `exec()` runs once per file, so each file
 *   prints its own totals, as when it runs alone.
 * - Each file's output sits between a start and an end line on stdout ({@link MARK}), the end
 *   line with the file's seconds; the runner splits the output by them.
 * - A file that throws while loading prints the error and no totals (the runner counts it as a
 *   failure); the host runs the next file.
 * - When its last file has ended, the host exits: a file that leaves a handle open cannot hold
 *   the run (reliability/leaks asserts that the SDK leaves none).
 *
 * ```sh
 * node --import tsx scripts/test-host.ts ws/auth.test.ts ws/resume.test.ts
 * printf 'ws/auth.test.ts\n' | node --import tsx scripts/test-host.ts
 * ```
 */
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

/** Prefix of the lines that frame each file's output: `<MARK> start <file>`, `<MARK> end <file> <seconds>`. */
export const MARK = '@@test-host';
/** This script's path, for the runner to start it. */
export const TEST_HOST_SCRIPT = import.meta.filename;

type Queue = unknown[][];
const uvuGlobals = globalThis as typeof globalThis & { UVU_DEFER?: number; UVU_QUEUE?: Queue; UVU_INDEX?: number };

async function main(args: string[]): Promise<void> {
  // Before uvu loads: its suites then queue on run() instead of running on the next tick.
  uvuGlobals.UVU_DEFER = 1;
  const { exec } = await import('uvu');
  const testDir = resolve(import.meta.dirname, '..', 'test');
  const files: Iterable<string> | AsyncIterable<string> = args.length > 0 ? args : createInterface({ input: process.stdin, crlfDelay: Infinity });
  let failed = false;
  for await (const line of files) {
    const file = line.trim();
    if (!file) continue;
    process.stdout.write(`\n${MARK} start ${file}\n`);
    const started = performance.now();
    uvuGlobals.UVU_QUEUE = [[null]];
    uvuGlobals.UVU_INDEX = 0;
    try {
      await import(pathToFileURL(join(testDir, file)).href);
      await exec();
      if (process.exitCode) failed = true;
    } catch (err) {
      failed = true;
      console.error(`test/${file} threw while loading or running:`, err);
    }
    process.exitCode = 0;
    process.stdout.write(`\n${MARK} end ${file} ${((performance.now() - started) / 1000).toFixed(3)}\n`);
  }
  process.exit(failed ? 1 : 0);
}

// Run as a script (the runner imports MARK from here).
if (process.argv[1] && resolve(process.argv[1]) === import.meta.filename) await main(process.argv.slice(2));
