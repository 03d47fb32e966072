/**
 * The React example's vite config. The app imports the SDK as its users do,
 * `from 'stream-video-client'`; the alias points that name at the repository's sources
 * (`src/index.ts`, the universal entry), so the example builds from a clean clone without
 * `npm run build` and always shows the SDK as it is in this commit.
 *
 * `npm run example:react` builds with this config through vite's JS API (see `server.ts`);
 * `npx vite build examples/react` works too.
 */
import react from '@vitejs/plugin-react';
import { builtinModules } from 'node:module';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const NODE_ONLY = new Set(['ws', ...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);

/**
 * Fails the build when the app pulls in `ws` or a Node built-in module (vite would only warn
 * and stub it): the browser gets the SDK's universal entry, which needs nothing from Node.
 */
export function browserOnly(): Plugin {
  return {
    name: 'stream-video-browser-only',
    enforce: 'pre',
    resolveId(source, importer) {
      if (NODE_ONLY.has(source)) this.error(`${importer ?? 'the app'} imports "${source}", a Node-only module, into the browser build`);
      return null;
    },
  };
}

/** The example's config: the React plugin, the SDK alias, a build that fails on a Node-only import. */
export default defineConfig({
  root: HERE,
  base: '/',
  plugins: [browserOnly(), react()],
  resolve: {
    alias: { 'stream-video-client': fileURLToPath(new URL('../../src/index.ts', import.meta.url)) },
  },
  build: {
    target: 'es2022',
    outDir: 'dist',
    emptyOutDir: true,
    sourcemap: false,
  },
  logLevel: 'warn',
  clearScreen: false,
});
