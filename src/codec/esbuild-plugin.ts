import type { Plugin } from 'esbuild';
import { codecRedirect } from './resolve-hook.mjs';

/**
 * esbuild plugin: the generated code in gen/ gets the binary protobuf codec
 * (`src/codec/runtime.ts`) for its `@protobuf-ts/runtime` import; every other import resolves
 * as usual. Every esbuild build of the SDK uses it, so what ships is what the tests run.
 */
export const binaryCodecPlugin: Plugin = {
  name: 'binary-protobuf-codec',
  setup(build) {
    build.onResolve({ filter: /^@protobuf-ts\/runtime$/ }, (args) => {
      const path = codecRedirect(args.path, args.importer);
      return path ? { path } : undefined;
    });
  },
};
