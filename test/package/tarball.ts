/**
 * The packed package, shared by the test files in this folder: `npm pack` (which builds
 * dist/ through `prepack`) runs once per process, and the tarball is installed once into a
 * fresh consumer project. Each test file still runs alone (`npx tsx <file>`): the first
 * caller packs. The temporary folder goes when the process exits (kept with KEEP_CONSUMER=1).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

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
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

let packing: Promise<Packed> | undefined;

/** Packs and installs the package on the first call; later calls get the same result. */
export function packed(): Promise<Packed> {
  packing ??= Promise.resolve().then(() => {
    const work = mkdtempSync(join(tmpdir(), 'svc-consumer-'));
    process.once('exit', () => {
      if (!process.env.KEEP_CONSUMER) rmSync(work, { recursive: true, force: true });
    });
    run('npm', ['pack', '--silent', '--pack-destination', work], root);
    const tarball = join(
      work,
      readdirSync(work).find((f) => f.endsWith('.tgz'))!,
    );
    const files = run('tar', ['-tzf', tarball], work).split('\n').filter(Boolean);
    writeFileSync(join(work, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
    run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], work);
    return { work, tarball, files, installed: join(work, 'node_modules/stream-video-client') };
  });
  return packing;
}
