/**
 * The browser bundle's size against its budget: bundles the browser entry (`src/index.ts`,
 * what `import { StreamVideoClient } from 'stream-video-client'` resolves to in a browser)
 * minified, and the dependencies alone side by side; fails when the entry's gzipped size
 * exceeds the budget or when the bundle pulls in `ws` or a `node:` module.
 *
 *   tsx scripts/size.ts [--json]
 */
import { build, type Metafile } from 'esbuild';
import { gzipSync } from 'node:zlib';
import { resolve } from 'node:path';

/**
 * Budget of the browser entry, gzipped: 38 KB, the whole entry with media (issue 16 allows
 * either this or tree-shaking media away; the media API is methods of `Call`, which a bundler
 * cannot drop, so the whole entry carries it: 28.1 KB before media, 34.1 KB with it).
 */
export const BUDGET_BYTES = 38 * 1024;

const root = resolve(import.meta.dirname, '..');

/**
 * The dependencies the browser entry uses, imported the way the SDK and the generated code
 * import them: protobuf-ts's runtime (message types with their JSON mapping), runtime-rpc and
 * the Twirp transport, nanostores.
 */
const DEPS_ONLY = `
export { MessageType, WireType, UnknownFieldHandler, reflectionMergePartial, isJsonObject, typeofJsonValue } from '@protobuf-ts/runtime';
export { ServiceType, stackIntercept, RpcError } from '@protobuf-ts/runtime-rpc';
export { TwirpFetchTransport } from '@protobuf-ts/twirp-transport';
export { atom, computed, batch } from 'nanostores';
`;

export interface BundleSize {
  minified: number;
  gzipped: number;
  nodeModules: string[];
}

async function bundle(options: { entry?: string; contents?: string }): Promise<BundleSize> {
  const result = await build({
    absWorkingDir: root,
    ...(options.entry ? { entryPoints: [options.entry] } : { stdin: { contents: options.contents!, resolveDir: root, loader: 'ts' } }),
    bundle: true,
    minify: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    define: { 'process.env.NODE_ENV': '"production"' },
    write: false,
    metafile: true,
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.contents;
  return { minified: code.length, gzipped: gzipSync(code, { level: 9 }).length, nodeModules: nodeOnly(result.metafile) };
}

/** The inputs of a bundle that are Node-only: `node:` modules, `ws`, what esbuild disabled for the browser. */
export function nodeOnly(meta: Metafile): string[] {
  return Object.keys(meta.inputs).filter((p) => p.startsWith('node:') || /node_modules\/ws\//.test(p) || p.startsWith('(disabled)'));
}

export async function measure(): Promise<{ sdk: BundleSize; deps: BundleSize; budget: number }> {
  return { sdk: await bundle({ entry: 'src/index.ts' }), deps: await bundle({ contents: DEPS_ONLY }), budget: BUDGET_BYTES };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { sdk, deps, budget } = await measure();
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  if (process.argv.includes('--json')) {
    process.stdout.write(`${JSON.stringify({ sdk, deps, budget })}\n`);
  } else {
    process.stdout.write(
      [
        `browser entry     minified ${kb(sdk.minified).padStart(9)}   gzipped ${kb(sdk.gzipped).padStart(8)}   budget ${kb(budget)}`,
        `dependencies only minified ${kb(deps.minified).padStart(9)}   gzipped ${kb(deps.gzipped).padStart(8)}`,
        `the SDK's own code and generated code: ${kb(sdk.gzipped - deps.gzipped)} gzipped`,
        '',
      ].join('\n'),
    );
  }
  let failed = false;
  if (sdk.nodeModules.length > 0) {
    process.stderr.write(`the browser bundle pulls in Node-only modules: ${sdk.nodeModules.join(', ')}\n`);
    failed = true;
  }
  if (sdk.gzipped > budget) {
    process.stderr.write(`the browser entry is ${kb(sdk.gzipped)} gzipped, over its budget of ${kb(budget)}\n`);
    failed = true;
  }
  process.exit(failed ? 1 : 0);
}
