/**
 * The published package as a user gets it: pack the tarball, install it into a fresh
 * project, import it as ESM, require it as CJS, run a connect against the packaged local
 * coordinator, and type-check consumer files as `tsc --strict` does (through the compiler API, in this process) under every module
 * resolution a TypeScript project may use (nodenext ESM and CommonJS, bundler, node10).
 */
import * as assert from 'uvu/assert';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';
import ts from 'typescript';
import { GROWTH_GUARD_BYTES, nodeOnly } from '../../scripts/size';
import { packed, root, run } from './tarball';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);

let work = '';
let tarball = '';

test.before(async () => {
  ({ work, tarball } = await packed());
});

test('the tarball holds dist, types and the schema, and no sources or tests', () => {
  const files = run('tar', ['-tzf', tarball], work).split('\n').filter(Boolean);
  assert.ok(files.includes('package/dist/index.js'));
  assert.ok(files.includes('package/dist/index.cjs'));
  assert.ok(files.includes('package/dist/node.js'));
  assert.ok(files.includes('package/dist/testing.js'));
  assert.ok(files.includes('package/dist/cli.js'));
  assert.ok(files.includes('package/dist/types/src/index.d.ts'));
  assert.ok(files.some((f) => f.startsWith('package/proto/')));
  assert.equal(
    files.filter((f) => /^package\/(src|test|scripts|gen)\//.test(f) || f.endsWith('.map')),
    [],
  );
  assert.equal(
    files.filter((f) => /demo-page/.test(f)),
    [],
    'no declarations of development-only modules',
  );
});

test('ESM import connects a user to the packaged local coordinator', () => {
  writeFileSync(
    join(work, 'esm.mjs'),
    `import { StreamVideoClient, StreamVideoError } from 'stream-video-client';
     import { LocalCoordinator } from 'stream-video-client/testing';
     const c = await LocalCoordinator.start();
     const client = new StreamVideoClient(c.apiKey, { baseUrl: c.baseUrl, logger: () => {} });
     await client.connectUser({ id: 'alice' }, () => c.createToken('alice'));
     const state = client.readOnlyStateStore.connectionState$.get();
     let code = '';
     try { await client.queryCalls({ bad: { $regex: 1 } }, []); } catch (e) { code = e instanceof StreamVideoError ? e.code : 'not-typed'; }
     await client.disconnectUser();
     await c.close();
     console.log(JSON.stringify({ state, code }));`,
  );
  assert.equal(JSON.parse(run('node', ['esm.mjs'], work)), { state: 'connected', code: 'invalid_argument' });
});

test('CJS require works, the browser condition has no ws and no undici', () => {
  writeFileSync(
    join(work, 'cjs.cjs'),
    `const sdk = require('stream-video-client');
     const testing = require('stream-video-client/testing');
     console.log(JSON.stringify({ client: typeof sdk.StreamVideoClient, ring: sdk.CALL_CONFIG.ring.autoCancelTimeoutInMs, coordinator: typeof testing.LocalCoordinator.start }));`,
  );
  assert.equal(JSON.parse(run('node', ['cjs.cjs'], work)), { client: 'function', ring: 30000, coordinator: 'function' });
  const browser = run(
    'node',
    [
      '--conditions=browser',
      '-e',
      "import('stream-video-client').then(() => console.log(Object.keys(require.cache).some((k) => /\\/(ws|undici)\\//.test(k)) ? 'node-only' : 'none'))",
    ],
    work,
  );
  assert.equal(browser.trim(), 'none');
});

test('bundled for a browser from the installed package: within the growth guard, no Node modules', async () => {
  const result = await build({
    stdin: { contents: "export * from 'stream-video-client';", resolveDir: work, loader: 'js' },
    absWorkingDir: work,
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  // What ends up in the bundle (the metafile's inputs also list what tree-shaking dropped).
  const output = Object.values(result.metafile.outputs)[0];
  const inputs = Object.entries(output.inputs)
    .filter(([, v]) => v.bytesInOutput > 0)
    .map(([p]) => p);
  assert.ok(
    inputs.some((p) => p.includes('node_modules/stream-video-client/dist/')),
    `the SDK comes from dist/: ${inputs.join(', ')}`,
  );
  assert.equal(nodeOnly(result.metafile), [], 'no Node modules');
  const gzipped = gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
  assert.ok(gzipped <= GROWTH_GUARD_BYTES, `${(gzipped / 1024).toFixed(1)} KB gzipped, over the growth guard of ${GROWTH_GUARD_BYTES / 1024} KB`);
});

const CONSUMER = `import { StreamVideoClient, CALL_CONFIG, StreamVideoError, type StreamEventMap, type ParticipantList } from 'stream-video-client';
import { LocalCoordinator } from 'stream-video-client/testing';
export async function demo(): Promise<number> {
  const c = await LocalCoordinator.start();
  const client = new StreamVideoClient(c.apiKey, { baseUrl: c.baseUrl }, CALL_CONFIG.ring);
  const off = client.on('call.ring', (e: StreamEventMap['call.ring']) => console.log(e.callCid, e.seq, e.user?.id));
  off();
  const list: ParticipantList = client.readOnlyStateStore.participants$.get();
  const state: string = client.readOnlyStateStore.connectionState$.get();
  const err: StreamVideoError | undefined = undefined;
  void err;
  return list.size + state.length;
}
`;

/** Declaration files parsed by {@link typeCheck}, by format and path. */
const parsedDeclarations = new Map<string, ts.SourceFile | undefined>();

/**
 * Type-checks `files` in `work` as `tsc --strict --noEmit` with the given flags would, in this
 * process through the compiler API (one TypeScript load for the four resolutions, not four
 * `tsc` processes). Returns the errors, formatted as tsc prints them.
 *
 * With `--skipLibCheck false`, `tsc` would also check every declaration file it loads, the
 * TypeScript libs and @types/node included (most of its time). What this test is about is the
 * consumer project: its files and everything installed in it, the package's declarations (errors
 * there such as TS1479 and TS1542 count) and its dependencies'. Those are checked; the libs and
 * @types/node are parsed, bound and used, but not checked themselves.
 */
function typeCheck(files: string[], flags: string[]): string[] {
  const args = ['--strict', '--noEmit', '--skipLibCheck', 'false', '--target', 'es2022', '--types', 'node', '--typeRoots', join(root, 'node_modules/@types')];
  const { options, errors } = ts.parseCommandLine([...args, ...flags]);
  const compilerOptions = { ...options, noEmit: true };
  const host = ts.createCompilerHost(compilerOptions);
  const read = host.getSourceFile.bind(host);
  // A declaration file parses alike in every resolution that reads it in the same format: parsed once for the four.
  host.getSourceFile = (fileName, language, ...rest) => {
    const format = typeof language === 'object' ? `${language.languageVersion}/${language.impliedNodeFormat}` : String(language);
    const key = `${format}:${fileName}`;
    if (!fileName.endsWith('.d.ts') && !fileName.endsWith('.d.cts') && !fileName.endsWith('.d.mts')) return read(fileName, language, ...rest);
    let parsed = parsedDeclarations.get(key);
    if (!parsed) parsedDeclarations.set(key, (parsed = read(fileName, language, ...rest)));
    return parsed;
  };
  const program = ts.createProgram({ rootNames: files.map((f) => join(work, f)), options: compilerOptions, host });
  const ours = program.getSourceFiles().filter((f) => f.fileName.startsWith(`${work}/`));
  const diagnostics = [
    ...errors,
    ...program.getOptionsDiagnostics(),
    ...program.getGlobalDiagnostics(),
    ...program.getSyntacticDiagnostics(),
    ...ours.flatMap((f) => program.getSemanticDiagnostics(f)),
  ];
  const format = { getCanonicalFileName: (f: string) => f, getCurrentDirectory: () => work, getNewLine: () => '\n' };
  return diagnostics.map((d) => ts.formatDiagnostic(d, format).trim());
}

test('ESM and CommonJS consumers type-check with tsc --strict (node16, nodenext, bundler, node10)', () => {
  // consumer.ts is ESM (the project is "type": "module"); a .cts file is CommonJS whatever the
  // project's type: its imports become require() calls, so TypeScript reads the declarations
  // under the require condition (.d.cts) and would report TS1479 on ESM-only ones.
  writeFileSync(join(work, 'consumer.ts'), CONSUMER);
  writeFileSync(join(work, 'consumer-cjs.cts'), CONSUMER);
  const resolutions: Record<string, [string[], string[]]> = {
    node16: [
      ['consumer.ts', 'consumer-cjs.cts'],
      ['--module', 'node16', '--moduleResolution', 'node16'],
    ],
    nodenext: [
      ['consumer.ts', 'consumer-cjs.cts'],
      ['--module', 'nodenext', '--moduleResolution', 'nodenext'],
    ],
    bundler: [['consumer.ts'], ['--module', 'esnext', '--moduleResolution', 'bundler']],
    // node10 ignores "exports": the root's "types" and testing/package.json resolve both entries.
    node10: [['consumer.ts'], ['--module', 'commonjs', '--moduleResolution', 'node10', '--ignoreDeprecations', '6.0']],
  };
  const found = Object.fromEntries(Object.entries(resolutions).map(([name, [files, flags]]) => [name, typeCheck(files, flags)]));
  assert.equal(found, { node16: [], nodenext: [], bundler: [], node10: [] });
});

test.run();
