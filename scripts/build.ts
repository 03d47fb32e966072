/**
 * Builds dist/: ESM (code-split across entries) and CJS bundles of the SDK, its Node entry,
 * the local coordinator (`/testing`) and its CLI, plus declarations for both formats:
 * `.d.ts` files with explicit `.js` extensions (ESM, under `import`'s `types`) and a twin
 * `.d.cts` tree with `.cjs` extensions (CommonJS, under `require`'s `types`), so that a
 * TypeScript project on any module resolution reads declarations of the format it loads.
 *
 * Dependencies stay external, except the ESM-only ones (nanostores, jose) in the CJS
 * bundles, which `require` could not load on Node 18.
 *
 * No source maps by default: the package ships none (they would weigh more than the code),
 * so the bundles reference none. `--sourcemap` writes linked maps for local debugging;
 * `npm pack` always rebuilds without them. `--outdir <dir>` builds elsewhere than dist/ (the
 * package tests pack a private copy, so that test files running at once never share one).
 * `--no-check` emits the declarations without type-checking the sources first (tsc's
 * `--noCheck`: the same files, in 3 s of CPU instead of 11): for the package tests, which
 * test the package, not the sources; `npm run typecheck` (in CI) checks those.
 *
 *   tsx scripts/build.ts [--sourcemap] [--outdir <dir>] [--no-check]
 */
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '..');
const outdirAt = process.argv.indexOf('--outdir');
const dist = outdirAt > 0 ? resolve(process.argv[outdirAt + 1]) : join(root, 'dist');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };
const deps = Object.keys(pkg.dependencies);
const esmOnly = ['nanostores', 'jose'];
const sourcemap = process.argv.includes('--sourcemap') ? ('linked' as const) : false;
const check = !process.argv.includes('--no-check');

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
  sourcemap,
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
  sourcemap,
  logLevel: 'warning',
});

// The CLI runs with node directly.
const cli = join(dist, 'cli.js');
writeFileSync(cli, `#!/usr/bin/env node\n${readFileSync(cli, 'utf8')}`, { mode: 0o755 });

// Declarations: tsc, then explicit extensions on relative specifiers: `.js` in the `.d.ts`
// files (ESM, as the package is "type": "module"), `.cjs` in their `.d.cts` twins (CommonJS).
// A CommonJS declaration cannot import an ESM-only package (TS1479, TS1542), so the twins
// import those types with `resolution-mode: import` (TypeScript 5.3 and later read it).
const types = join(dist, 'types');
mkdirSync(types, { recursive: true });
execFileSync(
  process.execPath,
  [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', types, ...(check ? [] : ['--noCheck'])],
  {
    stdio: 'inherit',
  },
);
for (const file of [...walk(types)]) {
  if (!file.endsWith('.d.ts')) continue;
  const source = readFileSync(file, 'utf8');
  const relativeWith = (ext: '.js' | '.cjs') => (text: string) =>
    text.replace(
      /(from\s+|import\()(['"])(\.{1,2}(?:\/[^'"]*)?)\2/g,
      (_m, lead: string, q: string, spec: string) => `${lead}${q}${withExtension(dirname(file), spec, ext)}${q}`,
    );
  writeFileSync(file, relativeWith('.js')(source));
  writeFileSync(file.replace(/\.d\.ts$/, '.d.cts'), esmOnlyAsImport(relativeWith('.cjs')(source), file));
}
console.log(`built ${relative(process.cwd(), dist) || 'dist'}/`);

function withExtension(dir: string, spec: string, ext: '.js' | '.cjs'): string {
  if (/\.(cjs|mjs)$/.test(spec)) return spec;
  spec = spec.replace(/\.js$/, '');
  const target = resolve(dir, spec);
  if (existsSync(`${target}.d.ts`)) return `${spec}${ext}`;
  if (existsSync(join(target, 'index.d.ts'))) return `${spec.replace(/\/$/, '')}/index${ext}`;
  throw new Error(`build: cannot resolve ${spec} from ${dir}`);
}

/** In a CommonJS declaration, types from ESM-only packages are imported in `import` mode. */
function esmOnlyAsImport(text: string, file: string): string {
  const pkgs = esmOnly.map((p) => p.replace(/[/.-]/g, '\\$&')).join('|');
  const mode = `{ 'resolution-mode': 'import' }`;
  return text
    .replace(
      new RegExp(`^(import|export)(\\s+type)?\\s+([^;]*?)\\s+from\\s+(['"])(${pkgs})\\4;`, 'gm'),
      (m, kind: string, typeOnly: string | undefined, clause: string, q: string, pkg: string) => {
        if (kind === 'export' && !typeOnly && !/^\{(\s*type\s+[^,}]+,?)*\s*\}$/.test(clause.trim())) {
          throw new Error(`build: ${relative(root, file)} re-exports values of the ESM-only ${pkg}, which a CommonJS declaration cannot: ${m}`);
        }
        return `${kind} type ${clause.replace(/\btype\s+/g, '')} from ${q}${pkg}${q} with ${mode};`;
      },
    )
    .replace(new RegExp(`import\\((['"])(${pkgs})\\1\\)`, 'g'), (_m, q: string, pkg: string) => `import(${q}${pkg}${q}, { with: ${mode} })`);
}

function* walk(dir: string): Generator<string> {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}
