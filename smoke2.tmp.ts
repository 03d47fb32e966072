import { WebSocket } from 'ws';
import { LocalCoordinator } from './src/testing/local-coordinator';
import { Connection } from './src/ws/connection';
import { TokenManager } from './src/coordinator/token-manager';
import { ExponentialBackoff } from './src/ws/reconnect-policy';
import { toCoordinatorEvent } from './src/events/event-map';
const c = await LocalCoordinator.start({ hub: { healthCheckIntervalMs: 100 } });
const seqs: number[] = [];
const conn = new Connection({
  url: c.wsUrl, apiKey: c.apiKey, user: { id: 'bob', name: 'Bob', imageUrl: '', role: '' }, tokens: new TokenManager(await c.createToken('bob')),
  WebSocket: WebSocket as any, reconnectPolicy: new ExponentialBackoff({ baseMs: 10 }), logger: (l, m, e) => console.log(l, m, e ?? ''),
  handshakeTimeoutMs: 2000, connectTimeoutMs: 5000, onEvent: (e) => seqs.push(e.seq), onRecovered: () => console.log('recovered'),
});
conn.state$.listen((s) => console.log('state', s));
await conn.connect();
const done = new Promise<void>((r) => { const t = setInterval(() => { if (seqs.length >= 1000) { clearInterval(t); r(); } }, 5); });
for (let i = 0; i < 1000; i++) {
  c.events.publish(['bob'], 'default:x', { oneofKind: 'custom', custom: { user: undefined, custom: undefined } });
  if (i === 500) c.hub.faults.dropUser('bob');
}
await done;
console.log(seqs.length, seqs.every((s, i) => s === i + 1), conn.stats);
c.hub.faults.silenceUser('bob');
await new Promise<void>((r) => { const un = conn.state$.listen((s) => { if (s === 'connected') { un(); r(); } }); });
console.log('reconnected after silence', conn.stats);
conn.disconnect();
await c.close();
setTimeout(() => console.log(process.getActiveResourcesInfo()), 100).unref();
