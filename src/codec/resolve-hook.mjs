// The one rule that puts the binary protobuf codec under the generated code, shared by the
// Node resolve hook below (tests, scripts) and the esbuild plugin (./esbuild-plugin.ts: the
// build, the size check, the demo page). Plain JavaScript: Node loads it in its hooks thread,
// before any TypeScript loader.
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = fileURLToPath(new URL('../../', import.meta.url));

/** The file that replaces `@protobuf-ts/runtime` for the code in gen/. */
export const CODEC_RUNTIME = `${here}runtime.ts`;

/**
 * Where `specifier`, imported by the file at `importer` (an absolute path), resolves instead
 * of the usual place, or undefined when it resolves as usual.
 */
export function codecRedirect(specifier, importer) {
  if (specifier !== '@protobuf-ts/runtime' || !importer) return undefined;
  return importer.startsWith(`${root}gen/`) ? CODEC_RUNTIME : undefined;
}

/** Node's module resolve hook (registered by ./register.mjs). */
export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL?.startsWith('file:') ? fileURLToPath(context.parentURL) : undefined;
  const target = codecRedirect(specifier, parent);
  // The TypeScript loader (tsx) still resolves the new target, so that it also loads it.
  return nextResolve(target ? pathToFileURL(target).href : specifier, context);
}
