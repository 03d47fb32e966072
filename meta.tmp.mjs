import { build } from 'esbuild';
import { gzipSync } from 'node:zlib';
const lean = { name: 'lean', setup(b) { b.onResolve({ filter: /^@protobuf-ts\/runtime$/ }, (a) => a.importer.includes('/gen/') ? { path: '/work/main/src/codec/binary-message-type.ts' } : undefined); } };
const r = await build({ absWorkingDir: '/work/main', entryPoints: ['src/index.ts'], bundle: true, minify: true, format: 'esm', platform: 'browser', target: 'es2020', write: false, metafile: true, logLevel: 'silent', plugins: [lean] });
const code = r.outputFiles[0].contents; console.log('min', code.length, 'gz', gzipSync(code, {level: 9}).length);
const out = Object.values(r.metafile.outputs)[0];
const rows = Object.entries(out.inputs).map(([k, v]) => [k, v.bytesInOutput]).sort((a, b) => b[1] - a[1]);
for (const [k, v] of rows.filter(r => !r[0].includes("node_modules"))) console.log(String(v).padStart(7), k);
