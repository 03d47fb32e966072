/**
 * Runs the uvu test files under test/ in parallel worker processes, the longest first, and
 * closes with the line `N passed, N failed` (`, N skipped` when some were).
 *
 * - Processes: a file that starts an outside part (a browser, Janus, ffmpeg, npm; see
 *   {@link RUNS_ALONE}) runs in a process of its own, as `npx tsx <file>` runs it. The other
 *   files run in hosts (scripts/test-host.ts: a process that runs the files sent to it one after
 *   another; a job of either kind: scripts/test-job.ts), started as workers need them and kept for
 *   the next file: loading tsx, the SDK and the local coordinator costs each process about a
 *   CPU-second and a half, more than most of those files' own tests. Measured on 2 cores, those
 *   93 files used 142 CPU-seconds one process each and 42 in one process, with the same 658
 *   tests passing. In a run of only them, 4 hosts used 57-59 CPU-seconds where 8 fixed batches
 *   used 66-67; and since each file is a job of its own, the last seconds of a run fill with
 *   small files instead of waiting on the longest batch.
 * - Counts come from uvu's totals of each file (`Total`, `Passed`, `Skipped`; failed = Total -
 *   Passed). A file that exits non-zero with no failure counted (it crashed while loading, or
 *   uvu saw it exit early) counts as one failure; so does a file that printed no totals, or
 *   whose host exited before its end.
 * - Workers: `TEST_WORKERS`, default two more than the cores: the hosts' files and some media files
 *   mostly wait (on timers, Janus, fixed-length recordings). With one more than the cores, the
 *   cores sat 20-80% idle for a third of a run while every worker waited; with two more, they
 *   stayed busy (about 1% idle). At most as many media files as cores run at once, but for
 *   those that mostly wait ({@link isMedia}). Each file's output is printed whole when it
 *   ends, so files never interleave.
 * - Order: the longest files first, from the durations of the last run
 *   (test-results/test-durations.json) or, from a clean clone, {@link EXPECTED_SECONDS}.
 * - The files of a run share a folder, `TEST_RUN_DIR`, removed at the end (the package
 *   tests pack the package once there).
 * - A bound on the whole run (`TEST_TIMEOUT_SECONDS`, default 600): files still running then
 *   are killed (their whole process group: browsers, SFUs) and each counts as one failure.
 *
 * ```sh
 * node --import tsx scripts/run-tests.ts            # every test/**\/*.test.ts
 * node --import tsx scripts/run-tests.ts 'browser/'  # files whose path under test/ matches
 * ```
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { killGroup, report, runAlone, TestHost, type FileResult, type Job, type JobPlace } from './test-job';

const ROOT = resolve(import.meta.dirname, '..');
const TEST_DIR = join(ROOT, 'test');
const DURATIONS = join(ROOT, 'test-results', 'test-durations.json');
/** A folder the files of this run share (`TEST_RUN_DIR`: e.g. one package pack for the package tests), removed at the end. */
const RUN_DIR = mkdtempSync(join(tmpdir(), 'svc-test-run-'));
const RUN_STARTED = performance.now();
/** Where this run's jobs run, and the processes running now. */
const PLACE: JobPlace = { root: ROOT, runDir: RUN_DIR, running: new Set() };

/**
 * Seconds a file takes in a run on this machine (2 cores, 4 workers; relative figures matter; a
 * hosted file's own seconds, without its host's start), for the order of a run
 * from a clean clone; measured durations replace them after the first run. Files not listed
 * count as {@link defaultSeconds}.
 */
const EXPECTED_SECONDS: Record<string, number> = {
  'package/consumer.test.ts': 88,
  'package/publish.test.ts': 84,
  'browser/media-rounds.test.ts': 57,
  'recording/sfu-recording.test.ts': 48,
  'browser/sfu-call.test.ts': 36,
  'browser/demo-media.test.ts': 30,
  'sfu/sfu-media.test.ts': 29,
  'browser/speaking.test.ts': 20,
  'browser/media-mesh.test.ts': 16,
  'fuzz/twirp.test.ts': 15,
  'browser/react-example.test.ts': 14,
  'browser/devices.test.ts': 14,
  'fuzz/client-frames.test.ts': 11,
  'reliability/chaos.test.ts': 9.5,
  'auth/token-manager.test.ts': 9.1,
  'browser/demo-page.test.ts': 9,
  'media/media-session.test.ts': 6.9,
  'fuzz/sdk-validation.test.ts': 6.6,
  'reliability/retries.test.ts': 6.3,
  'reliability/load.test.ts': 5.5,
  'recording/recording-failures.test.ts': 5.3,
  'reliability/leaks.test.ts': 3.6,
  'security/token-leak.test.ts': 3.4,
  'media/peer-link.test.ts': 3.1,
  'testing/hub-flood.test.ts': 2.7,
  'contract/query-calls.test.ts': 2.7,
  'session/user-session.test.ts': 2.7,
  'ws/heartbeat.test.ts': 2.4,
  'fuzz/server-frames.test.ts': 2.3,
  'testing/query/paging.test.ts': 2.2,
  'ws/liveness.test.ts': 2.1,
};

/** A file not measured yet: media files are long, the rest short. */
function defaultSeconds(file: string): number {
  return isMediaFile(file) ? 30 : 1;
}

/**
 * Files that run in a process of their own: each starts an outside part that a host's
 * process should not share, a browser (playwright-core), Janus (and `@roamhq/wrtc`'s native
 * addon), ffmpeg, or npm and tsc.
 */
const RUNS_ALONE = /^browser\/|^package\/(consumer|publish)\.|^sfu\/sfu-media\.|^recording\/sfu-recording\./;

/**
 * Media files that mostly wait on real time (a 20 s recording and ffmpeg, speech played at its
 * pace, Janus restarted), at half a core or less: alone here, sfu-recording used 14 CPU-seconds
 * in 29 s, speaking 9 in 18 and sfu-media 5 in 19, where the other media files use 1.2 to 1.7
 * cores. They do not count against `TEST_MEDIA_JOBS`: when speaking and sfu-media held both
 * places, a run left the cores 20-65% idle for 20 s while the other media files waited.
 */
const WAITING_MEDIA = /^recording\/sfu-recording\.|^browser\/speaking\.|^sfu\/sfu-media\./;

/**
 * Media files: each runs pages, peers or Janus in real time, and several at once on a busy
 * machine stretch each other's waits (three at the start of one run took 92-101 s instead of
 * 18-46, and one page update missed its bound). At most `TEST_MEDIA_JOBS` of them run at once
 * (default: the cores), not counting the {@link WAITING_MEDIA} ones; the other workers take the
 * other jobs meanwhile.
 */
function isMedia(job: Job): boolean {
  return job.alone && isMediaFile(job.file) && !WAITING_MEDIA.test(job.file);
}

/** A file that runs alone ({@link RUNS_ALONE}) and runs media: browser, SFU and recording files. */
function isMediaFile(file: string): boolean {
  return RUNS_ALONE.test(file) && /^(browser|sfu|recording)\//.test(file);
}

function testFiles(pattern: RegExp): string[] {
  return readdirSync(TEST_DIR, { recursive: true, encoding: 'utf8' })
    .map((f) => f.split('\\').join('/'))
    .filter((f) => f.endsWith('.test.ts') && pattern.test(f))
    .sort();
}

function readDurations(): Record<string, number> {
  if (!existsSync(DURATIONS)) return {};
  try {
    return JSON.parse(readFileSync(DURATIONS, 'utf8')) as Record<string, number>;
  } catch {
    return {};
  }
}

async function main(): Promise<number> {
  const pattern = new RegExp(process.argv[2] ?? '\\.test\\.ts$');
  const workers = Math.max(1, Number(process.env.TEST_WORKERS) || availableParallelism() + 2);
  const boundSeconds = Number(process.env.TEST_TIMEOUT_SECONDS) || 600;
  const mediaJobs = Math.max(1, Number(process.env.TEST_MEDIA_JOBS) || availableParallelism());
  const measured = readDurations();
  const expected = (f: string) => measured[f] ?? EXPECTED_SECONDS[f] ?? defaultSeconds(f);
  const files = testFiles(pattern);
  if (files.length === 0) {
    console.log(`no test file under test/ matches ${pattern}`);
    console.log('0 passed, 1 failed');
    return 1;
  }
  const queue: Job[] = files.map((file) => ({ file, alone: RUNS_ALONE.test(file), seconds: expected(file) })).sort((a, b) => b.seconds - a.seconds);
  const alone = queue.filter((j) => j.alone).length;
  console.log(`${files.length} test files, ${workers} workers: ${alone} alone, ${files.length - alone} in hosts`);

  const results: FileResult[] = [];
  let timedOut = false;
  const bound = setTimeout(() => {
    timedOut = true;
    for (const child of PLACE.running) {
      killGroup(child, 'SIGTERM');
      setTimeout(() => PLACE.running.has(child) && killGroup(child, 'SIGKILL'), 10_000).unref();
    }
  }, boundSeconds * 1000);
  const stop = (signal: NodeJS.Signals) => {
    for (const child of PLACE.running) killGroup(child, 'SIGKILL');
    rmSync(RUN_DIR, { recursive: true, force: true });
    process.exit(signal === 'SIGINT' ? 130 : 143);
  };
  process.once('SIGINT', stop).once('SIGTERM', stop);
  const onResult = (r: FileResult) => {
    if (timedOut && r.problem) r.problem = `was still running at the ${boundSeconds} s bound of the run (TEST_TIMEOUT_SECONDS)`;
    results.push(r);
    process.stdout.write(report(r, RUN_STARTED));
  };

  const pending = [...queue];
  let mediaRunning = 0;
  let jobEnded: () => void = () => undefined;
  /** The next job a worker may start now: the first pending, or the first that is no media job while `mediaJobs` run. */
  const next = (): Job | undefined => {
    const at = pending.findIndex((j) => !isMedia(j) || mediaRunning < mediaJobs);
    return at < 0 ? undefined : pending.splice(at, 1)[0];
  };
  /** Hosts free for the next file; a worker starts one when none is. */
  const hosts: TestHost[] = [];
  let hostsStarted = 0;
  const run = async (job: Job): Promise<FileResult> => {
    if (job.alone) return runAlone(job.file, PLACE);
    let host = hosts.pop();
    if (!host) {
      host = new TestHost(PLACE);
      hostsStarted++;
    }
    const r = await host.run(job.file);
    if (host.alive) hosts.push(host);
    return r;
  };
  await Promise.all(
    Array.from({ length: Math.min(workers, queue.length) }, async () => {
      // Take the next job only while within the bound: the ones left are reported as never started.
      while (!timedOut && pending.length > 0) {
        const job = next();
        if (!job) {
          await new Promise<void>((resolve) => {
            const before = jobEnded;
            jobEnded = () => (before(), resolve());
          });
          continue;
        }
        if (isMedia(job)) mediaRunning++;
        onResult(await run(job));
        if (isMedia(job)) mediaRunning--;
        const ended = jobEnded;
        jobEnded = () => undefined;
        ended();
      }
    }),
  );
  await Promise.all(hosts.splice(0).map((h) => h.close()));
  clearTimeout(bound);
  rmSync(RUN_DIR, { recursive: true, force: true });
  for (const { file } of pending) {
    const r: FileResult = { file, passed: 0, failed: 1, skipped: 0, seconds: 0, output: '', problem: `never started: the run hit its ${boundSeconds} s bound` };
    results.push(r);
    process.stdout.write(report(r, RUN_STARTED));
  }

  mkdirSync(join(ROOT, 'test-results'), { recursive: true });
  const durations = { ...measured };
  for (const r of results) if (!r.problem) durations[r.file] = Math.round(r.seconds * 10) / 10;
  writeFileSync(DURATIONS, JSON.stringify(durations, null, 2) + '\n');

  const count = (k: 'passed' | 'failed' | 'skipped') => results.reduce((n, r) => n + r[k], 0);
  const failedFiles = results.filter((r) => r.failed > 0).map((r) => `test/${r.file}`);
  const slowest = [...results].sort((a, b) => b.seconds - a.seconds).slice(0, 5);
  console.log(
    `\n${results.length} files in ${((performance.now() - RUN_STARTED) / 1000).toFixed(1)} s with ${workers} workers and ${hostsStarted} hosts; slowest:`,
  );
  for (const r of slowest) console.log(`  ${r.seconds.toFixed(1).padStart(6)} s  test/${r.file}`);
  if (failedFiles.length) console.log(`failed: ${failedFiles.join(' ')}`);
  const skipped = count('skipped');
  console.log(`${count('passed')} passed, ${count('failed')} failed${skipped ? `, ${skipped} skipped` : ''}`);
  return count('failed') > 0 ? 1 : 0;
}

process.exitCode = await main();
