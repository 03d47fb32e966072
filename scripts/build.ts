/**
 * Builds dist/: ESM (code-split across entries) and CJS bundles of the SDK, its Node entry,
 * the local coordinator (`/testing`) and its CLI, plus .d.ts files with explicit `.js`
 * extensions so that consumers on any module resolution can read them.
 *
 * Dependencies stay external, except the ESM-only ones (nanostores, jose) in the CJS
 * bundles, which `require` could not load on Node 18.
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const dist = join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const deps = Object.keys(pkg.dependencies);
const esmOnly = ['nanostores', 'jose'];

const entries = {
  index: 'src/index.ts',
  node: 'src/index-node.ts',
  testing: 'src/testing/index.ts',
  cli: 'scripts/coordinator.ts',
};

rmSync(dist, { recursive: true, force: true });

await build({
  absWorkingDir: root,
  entryPoints: entries,
  outdir: dist,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'neutral',
  mainFields: ['module', 'main'],
  target: 'es2020',
  external: [...deps, 'node:*'],
  sourcemap: true,
  chunkNames: 'chunks/[name]-[hash]',
  logLevel: 'warning',
});

await build({
  absWorkingDir: root,
  entryPoints: { index: entries.index, node: entries.node, testing: entries.testing },
  outdir: dist,
  outExtension: { '.js': '.cjs' },
  bundle: true,
  format: 'cjs',
  platform: 'node',
  target: 'node18',
  external: [...deps.filter((d) => !esmOnly.includes(d)), 'node:*'],
  define: { 'import.meta.dirname': '__dirname' },
  sourcemap: true,
  logLevel: 'warning',
});

// The CLI runs with node directly.
const cli = join(dist, 'cli.js');
writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, 'utf8')}`, { mode: 0o755 });

// Declarations: tsc, then explicit extensions on relative specifiers.
const types = join(dist, 'types');
mkdirSync(types, { recursive: true });
execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit' });
for (const file of walk(types)) {
  if (!file.endsWith('.d.ts')) continue;
  const text = readFileSync(file, 'utf8').replace(/(from\s+|import\()(['"])(\.{1,2}(?:\/[^'"]*)?)\2/g, (_m, lead: string, q: string, spec: string) => {
    return `${lead}${q}${withExtension(dirname(file), spec)}${q}`;
  });
  writeFileSync(file, text);
}
console.log(`built ${relative(process.cwd(), dist) || 'dist'}/`);

function withExtension(dir: string, spec: string): string {
  if (/\.(js|cjs|mjs)$/.test(spec)) return spec;
  const target = resolve(dir, spec);
  if (existsSync(`${target}.d.ts`)) return `${spec}.js`;
  if (existsSync(join(target, 'index.d.ts'))) return `${spec.replace(/\/$/, '')}/index.js`;
  throw new Error(`build: cannot resolve ${spec} from ${dir}`);
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
