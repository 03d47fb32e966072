import { Session } from 'node:inspector/promises';
import { StreamVideoClient, CALL_CONFIG } from './src/index-node';
import { LocalCoordinator } from './src/testing';
const c = await LocalCoordinator.start({ host: '127.0.0.1', port: 0 });
const a = new StreamVideoClient(c.apiKey, { baseUrl: c.baseUrl, logger: () => {} }, CALL_CONFIG.meeting);
await a.connectUser({ id: 'alice' }, await c.createToken('alice'));
for (let i = 0; i < 30; i++) (await a.joinCall('w' + i, 'default')).leave && await (await a.joinCall('w' + i, 'default')).leave();
const s = new Session(); s.connect();
await s.post('Profiler.enable'); await s.post('Profiler.start');
const t0 = performance.now();
for (let i = 0; i < 300; i++) { const call = await a.joinCall('p' + i, 'default'); await call.leave(); }
const el = performance.now() - t0;
const { profile } = (await s.post('Profiler.stop')) as any;
const self = new Map<string, number>();
const byId = new Map<number, any>(profile.nodes.map((n: any) => [n.id, n]));
const dt = new Map<number, number>();
profile.samples.forEach((id: number, i: number) => dt.set(id, (dt.get(id) ?? 0) + profile.timeDeltas[i]));
let total = 0;
for (const [id, t] of dt) { const n = byId.get(id); const f = n.callFrame; const key = (f.url.includes('/src/') ? 'SDK ' : f.url.includes('node_modules') ? 'dep ' : '') + f.functionName + ' ' + f.url.replace(/.*\/(src|node_modules)\//, '$1/') ; self.set(key, (self.get(key) ?? 0) + t); total += t; }
console.log('per join+leave', (el / 300).toFixed(2), 'ms');
for (const [k, v] of [...self].sort((x, y) => y[1] - x[1]).slice(0, 30)) console.log((100 * v / total).toFixed(1).padStart(5) + '%', k);
await a.disconnectUser(); await c.close();
