/**
 * The packed package, shared by the test files in this folder: packed once per process and
 * installed once into a fresh consumer project. Each test file still runs alone (`npx tsx
 * <file>`): the first caller packs.
 *
 * The pack never touches the repository's dist/: test files run at once, and two `npm pack`
 * runs would rebuild the same dist/ under each other. The files npm would pack from the
 * repository (`npm pack --dry-run`, so `files` in package.json still decides) are copied into a
 * staging folder of this process, dist/ is built there (`scripts/build.ts --outdir --no-check`), and npm
 * packs that folder. The temporary folders go when the process exits (kept with KEEP_CONSUMER=1),
 * or with the run's folder under the test runner.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

/** The repository's root. */
export const root = resolve(import.meta.dirname, '../..');

/** The packed package and the project it is installed into. */
export interface Packed {
  /** Temporary folder: the consumer project (package.json with "type": "module"). */
  work: string;
  /** Path of the `.tgz`. */
  tarball: string;
  /** The tarball's entries, `package/...`. */
  files: string[];
  /** The installed package's folder, `<work>/node_modules/stream-video-client`. */
  installed: string;
}

/**
 * Runs a command and returns its stdout; a failure throws with its stdout and stderr.
 * npm's log level is `error` unless `env` says otherwise.
 */
export function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, npm_config_loglevel: 'error', ...env } });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`, { cause: err });
  }
}

let packing: Promise<Packed> | undefined;

/**
 * Packs and installs the package on the first call; later calls get the same result. Under the
 * test runner (`TEST_RUN_DIR`, a folder of the run that the runner removes at its end) the
 * package files share one pack: the first to come packs, the others wait for its result.
 */
export function packed(): Promise<Packed> {
  const runDir = process.env.TEST_RUN_DIR;
  packing ??= runDir ? sharedPack(runDir) : Promise.resolve().then(() => pack(tmpdir(), !process.env.KEEP_CONSUMER));
  return packing;
}

/** Packs into fresh folders under `parent`, removed when the process exits if `cleanUp`. */
function pack(parent: string, cleanUp: boolean): Packed {
  const work = mkdtempSync(join(parent, 'svc-consumer-'));
  const staging = mkdtempSync(join(parent, 'svc-package-'));
  if (cleanUp) process.once('exit', () => [work, staging].forEach((dir) => rmSync(dir, { recursive: true, force: true })));
  const [listing] = JSON.parse(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], root)) as { files: { path: string }[] }[];
  for (const { path } of listing.files.filter((f) => !f.path.startsWith('dist/'))) {
    mkdirSync(dirname(join(staging, path)), { recursive: true });
    copyFileSync(join(root, path), join(staging, path));
  }
  // Not type-checked here (the same declarations; `npm run typecheck` checks the sources).
  run(process.execPath, ['--import', 'tsx', join(root, 'scripts/build.ts'), '--outdir', join(staging, 'dist'), '--no-check'], root);
  run('npm', ['pack', '--silent', '--ignore-scripts', '--pack-destination', work], staging);
  const tarball = join(
    work,
    readdirSync(work).find((f) => f.endsWith('.tgz'))!,
  );
  const files = run('tar', ['-tzf', tarball], work).split('\n').filter(Boolean);
  writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  // --ignore-scripts: the package has no install script of its own; what it skips is
  // unix-dgram's native build (janode's Unix-socket transport: g++, 2 of the install's 3.5
  // CPU-seconds), which the local coordinator never uses (it drives Janus over WebSocket) and
  // these tests never load (janode loads only when a call goes through an SFU).
  run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--ignore-scripts', tarball], work);
  return { work, tarball, files, installed: join(work, 'node_modules/stream-video-client') };
}

/**
 * One pack for every process of the run: whoever creates the `packing` folder first packs and
 * writes `packed.json`; the others wait for that file (or for the lock to go without it, when
 * that pack failed: then they try themselves), woken by changes to the folder.
 */
async function sharedPack(runDir: string): Promise<Packed> {
  const result = join(runDir, 'packed.json');
  const lock = join(runDir, 'packing');
  for (;;) {
    if (existsSync(result)) return JSON.parse(readFileSync(result, 'utf8')) as Packed;
    try {
      mkdirSync(lock);
    } catch {
      await changed(runDir, () => existsSync(result) || !existsSync(lock), 'the package another test file packs');
      continue;
    }
    try {
      const packedHere = pack(runDir, false);
      writeFileSync(`${result}.tmp`, JSON.stringify(packedHere));
      renameSync(`${result}.tmp`, result);
      return packedHere;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

/** Resolves once `check()` holds, re-checked on every change in `dir`; rejects after `ms`. */
function changed(dir: string, check: () => boolean, what: string, ms = 300_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const watcher = watch(dir);
    const timer = setTimeout(() => finish(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
    const finish = (err?: Error) => {
      watcher.close();
      clearTimeout(timer);
      if (err) reject(err);
      else resolve();
    };
    watcher.on('change', () => check() && finish());
    watcher.on('error', finish);
    if (check()) finish();
  });
}
