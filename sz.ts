import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const r = await build({ entryPoints: ['src/index.ts'], bundle: true, minify: true, write: false, metafile: true, format: 'esm', platform: 'browser', target: 'es2020', absWorkingDir: process.cwd() });
const out = Object.values(r.metafile.outputs)[0];
let t = 0;
for (const [k, v] of Object.entries(out.inputs)) if (k.startsWith('src/devices')) { console.log(String(v.bytesInOutput).padStart(6), k); t += v.bytesInOutput; }
console.log('devices total minified', t);
