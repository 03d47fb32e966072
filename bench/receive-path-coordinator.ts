/**
 * The coordinator side of the receive-path benchmark (bench/receive-path.ts), run in a child
 * process so that its CPU time is not counted with the clients'. It starts a local
 * coordinator, mints the tokens it is asked for, and on request publishes participant
 * joined/left events to one user about one call.
 *
 * Messages (IPC): from the parent `{ op: 'publish', user, cid, count }` and `{ op: 'close' }`;
 * to the parent `{ op: 'ready', baseUrl, apiKey, tokens }` and `{ op: 'published', count }`.
 */
import { LocalCoordinator } from '../src/testing';
import type { EventPayload } from '../src/testing/state/coordinator-state';
import { joined, left } from './hub-client';

/** What the parent asks for. */
export type ToCoordinator = { op: 'publish'; user: string; cid: string; count: number } | { op: 'close' };
/** What the child answers. */
export type FromCoordinator = { op: 'ready'; baseUrl: string; apiKey: string; tokens: Record<string, string> } | { op: 'published'; count: number };

/** Users the child mints tokens for. */
export const RECEIVE_PATH_USERS = ['bench-sdk', 'bench-lean'] as const;

/** `count` events alternating participant_joined(i) and participant_left(i). */
export function joinLeavePayloads(count: number): EventPayload[] {
  const out: EventPayload[] = [];
  for (let i = 0; out.length < count; i++) {
    out.push(joined(i));
    if (out.length < count) out.push(left(i));
  }
  return out;
}

async function main(): Promise<void> {
  const c = await LocalCoordinator.start({ host: '127.0.0.1', port: 0, hub: { healthCheckIntervalMs: 600_000 }, participantGraceMs: Number.POSITIVE_INFINITY });
  const tokens: Record<string, string> = {};
  for (const u of RECEIVE_PATH_USERS) tokens[u] = await c.createToken(u);
  const cache = new Map<number, EventPayload[]>();
  const send = (m: FromCoordinator) => process.send!(m);
  process.on('message', (m: ToCoordinator) => {
    if (m.op === 'close') {
      void c.close().then(() => process.exit(0));
      return;
    }
    let payloads = cache.get(m.count);
    if (!payloads) cache.set(m.count, (payloads = joinLeavePayloads(m.count)));
    for (const p of payloads) c.events.publish([m.user], m.cid, p);
    send({ op: 'published', count: m.count });
  });
  process.on('disconnect', () => void c.close().then(() => process.exit(0)));
  send({ op: 'ready', baseUrl: c.baseUrl, apiKey: c.apiKey, tokens });
}

if (process.send) void main();
