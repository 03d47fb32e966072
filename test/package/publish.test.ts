/**
 * What the published package owes its users, checked on the packed tarball with the
 * ecosystem's own tools, offline: arethetypeswrong (types for every resolver), publint
 * --strict, `npm publish --dry-run` without a warning, the files every package carries,
 * source maps neither shipped nor referenced, jose and janode loaded only by `./testing`, and the CLI's
 * `--version` and `--help`.
 */
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { publint } from 'publint';
import { packed, root, run, type Packed } from './tarball';

let pkg: Packed;
let manifest: { version: string; exports: Record<string, Record<string, Record<string, string>>> };

test.before(async () => {
  pkg = await packed();
  manifest = JSON.parse(readFileSync(join(pkg.installed, 'package.json'), 'utf8'));
});

test('the tarball holds LICENSE, CHANGELOG.md, README.md and the node10 stub of ./testing', () => {
  for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md', 'package.json', 'testing/package.json']) {
    assert.ok(pkg.files.includes(`package/${file}`), `package/${file}`);
  }
  const license = readFileSync(join(pkg.installed, 'LICENSE'), 'utf8');
  assert.is(license.split('\n')[0], 'MIT License', 'LICENSE is the MIT text, as package.json says');
  assert.is(manifest.version, JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version);
});

test('no source map is shipped, and no shipped file references one', () => {
  assert.equal(
    pkg.files.filter((f) => f.endsWith('.map')),
    [],
  );
  const referencing = walk(join(pkg.installed, 'dist')).filter((f) => /\n\/\/# sourceMappingURL=/.test(readFileSync(f, 'utf8')));
  assert.equal(
    referencing.map((f) => relative(pkg.installed, f)),
    [],
  );
});

test('arethetypeswrong: no problem, and each resolver reads declarations of the format it loads', () => {
  const attw = join(root, 'node_modules/.bin/attw');
  const out = spawnSync(attw, [pkg.tarball, '--format', 'json', '--no-definitely-typed'], { encoding: 'utf8' });
  const result = JSON.parse(out.stdout) as {
    analysis: { problems: unknown[]; entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }> };
  };
  assert.equal(result.analysis.problems, []);
  assert.is(out.status, 0);
  const typesOf = (entry: string) =>
    Object.fromEntries(
      Object.entries(result.analysis.entrypoints[entry].resolutions).map(([kind, r]) => [
        kind,
        r.resolution?.fileName.replace('/node_modules/stream-video-client/', ''),
      ]),
    );
  assert.equal(typesOf('.'), {
    node10: 'dist/types/src/index.d.cts',
    'node16-cjs': 'dist/types/src/index.d.cts',
    'node16-esm': 'dist/types/src/index.d.ts',
    bundler: 'dist/types/src/index.d.ts',
  });
  assert.equal(typesOf('./testing'), {
    node10: 'dist/types/src/testing/index.d.cts',
    'node16-cjs': 'dist/types/src/testing/index.d.cts',
    'node16-esm': 'dist/types/src/testing/index.d.ts',
    bundler: 'dist/types/src/testing/index.d.ts',
  });
});

test('publint --strict reports nothing (not even a suggestion)', async () => {
  const tarball = readFileSync(pkg.tarball);
  const { messages } = await publint({
    pack: { tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.byteLength) },
    strict: true,
    level: 'suggestion',
  });
  assert.equal(messages, []);
});

test('npm publish --dry-run, offline: no warning, bin kept, the files every package carries', () => {
  // npm warns "requires you to be logged in" when it has no token for the registry, which
  // says nothing about the package: a placeholder in a throwaway user config silences that
  // one, so any warning left is about the package. --offline: nothing leaves the machine;
  // --ignore-scripts: dist/ was just built by the pack above.
  const userconfig = join(pkg.work, 'publish.npmrc');
  writeFileSync(userconfig, '//registry.npmjs.org/:_authToken=placeholder-for-dry-run\n');
  const out = spawnSync('npm', ['publish', '--dry-run', '--offline', '--ignore-scripts', '--json'], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      npm_config_userconfig: userconfig,
      npm_config_registry: 'https://registry.npmjs.org/',
      npm_config_loglevel: 'notice',
      npm_config_update_notifier: 'false',
    },
  });
  assert.is(out.status, 0, out.stderr);
  assert.equal(
    out.stderr.split('\n').filter((l) => /^npm (warn|WARN|ERR)/.test(l)),
    [],
  );
  const report = JSON.parse(out.stdout) as Record<string, { files: { path: string }[] }>;
  const files = report['stream-video-client'].files.map((f) => f.path);
  for (const file of ['LICENSE', 'CHANGELOG.md', 'README.md', 'dist/cli.js']) assert.ok(files.includes(file), file);
  // npm drops a bin entry it finds invalid (and warns); the installed package still has it.
  assert.equal(JSON.parse(readFileSync(join(pkg.installed, 'package.json'), 'utf8')).bin, { 'stream-video-coordinator': 'dist/cli.js' });
});

test('jose loads only with stream-video-client/testing (ESM chunks and CJS bundles)', () => {
  const entry = (subpath: string, condition: string) => join(pkg.installed, manifest.exports[subpath].import[condition]);
  const browser = packagesReachedFrom(entry('.', 'browser'));
  const node = packagesReachedFrom(entry('.', 'node'));
  const testing = packagesReachedFrom(entry('./testing', 'default'));
  // The walk follows the chunks: the SDK reaches its own dependencies, the coordinator reaches jose.
  assert.ok(browser.has('nanostores') && browser.has('@protobuf-ts/runtime'), [...browser].join(', '));
  assert.ok(testing.has('jose'), [...testing].join(', '));
  assert.not.ok(browser.has('jose'), [...browser].join(', '));
  assert.not.ok(node.has('jose'), [...node].join(', '));
  // CommonJS bundles inline the ESM-only jose; only the coordinator's holds it.
  const inlinesJose = (file: string) => readFileSync(join(pkg.installed, 'dist', file), 'utf8').includes('node_modules/jose/');
  assert.equal(
    { index: inlinesJose('index.cjs'), node: inlinesJose('node.cjs'), testing: inlinesJose('testing.cjs') },
    { index: false, node: false, testing: true },
  );
});

test('janode (the SFU driver) loads only with stream-video-client/testing, and only on demand', () => {
  const entry = (subpath: string, condition: string) => join(pkg.installed, manifest.exports[subpath].import[condition]);
  assert.ok(packagesReachedFrom(entry('./testing', 'default')).has('janode'));
  assert.not.ok(packagesReachedFrom(entry('.', 'browser')).has('janode'));
  assert.not.ok(packagesReachedFrom(entry('.', 'node')).has('janode'));
  // A dynamic import() in every format: a coordinator without an SFU never loads it.
  const loads = (file: string) => readFileSync(join(pkg.installed, 'dist', file), 'utf8');
  assert.equal(
    { index: loads('index.cjs').includes('janode'), node: loads('node.cjs').includes('janode'), testing: /\bimport\("janode"\)/.test(loads('testing.cjs')) },
    { index: false, node: false, testing: true },
  );
});

test('the CLI answers --version and --help from the installed bin', () => {
  const bin = join(pkg.work, 'node_modules/.bin/stream-video-coordinator');
  assert.is(run(bin, ['--version'], pkg.work).trim(), manifest.version);
  assert.is(run(bin, ['-v'], pkg.work).trim(), manifest.version);
  const help = run(bin, ['--help'], pkg.work);
  for (const option of ['--port', '--host', '--secret', '--api-key', '--health-interval-ms', '--expires-in', '--help', '--version', 'token']) {
    assert.ok(help.includes(option), option);
  }
  const bad = spawnSync(bin, ['--no-such-option'], { encoding: 'utf8' });
  assert.is(bad.status, 2);
});

/** The bare specifiers an ESM file reaches through its static and dynamic relative imports. */
function packagesReachedFrom(file: string): Set<string> {
  const packages = new Set<string>();
  const seen = new Set<string>();
  const visit = (path: string) => {
    if (seen.has(path)) return;
    seen.add(path);
    const code = readFileSync(path, 'utf8');
    for (const m of code.matchAll(/(?:\bfrom|\bimport)\s*\(?\s*(["'])([^"']+)\1/g)) {
      const spec = m[2];
      if (spec.startsWith('.')) visit(resolve(dirname(path), spec));
      else if (!spec.startsWith('node:')) packages.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]);
    }
  };
  visit(file);
  return packages;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}

test.run();
