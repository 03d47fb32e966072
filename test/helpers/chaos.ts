/**
 * A seeded chaos run of the SDK against the local coordinator: three users (alice, bob,
 * carol) go through a ring / accept / reject / join / permission / recording / leave scenario
 * while the coordinator injects faults chosen by a seeded PRNG (mulberry32):
 *
 * - RPCs failing with `unavailable` or `internal` (`rpcFaults.failNext`, before the handler
 *   runs: a failed call changed nothing);
 * - sockets dropped without a close frame (`hub.faults.dropUser`);
 * - sockets gone silent (`hub.faults.silenceUser`; the client notices through its health
 *   checks, with the hub's 50 ms interval);
 * - every frame delayed by a few ms (`hub.faults.setFrameDelay`).
 *
 * Each step is a user action. When it fails with a `StreamVideoError` whose fault was injected
 * (`meta.injected === 'true'`), it is tried again, like a user clicking again, a bounded number
 * of times; any other failure fails the run. After each step the run waits (bounded) until the
 * effect is visible on the other side and every client has received every event the server
 * numbered for it, then takes a normalized snapshot of every client's store: a run with faults
 * must produce the same snapshots, the same event sequence per user, and seq numbers that are
 * strictly consecutive from 1 to the server's last (nothing lost, nothing twice).
 *
 * ```ts
 * const reference = await runChaosScenario({ seed: 0, faults: false });
 * const run = await runChaosScenario({ seed: 7, faults: true });
 * assert.equal(diffRuns(reference, run), []);
 * ```
 *
 * Also here, for the other reliability tests: `tallyRpcFaults` (RPC attempts seen by the
 * server, injected failures by code) and `startTcpProxy` (resets requests below HTTP, or
 * holds the server's answers back so that an event overtakes them).
 */
import { createServer, type Socket } from 'node:net';
import { ExponentialBackoff, StreamVideoError, type Call, type StreamVideoClient } from '../../src/index-node';
import { TwirpError, type LocalCoordinator, type TwirpCode } from '../../src/testing';
import { Harness, mulberry32 } from './sdk';
import { Signal, waitFor, within } from './common';

/** The users of the scenario. */
export const CHAOS_USERS = ['alice', 'bob', 'carol'] as const;
/** One of {@link CHAOS_USERS}. */
export type ChaosUser = (typeof CHAOS_USERS)[number];

/** The call of the scenario (`default:chaos`); each run has its own coordinator. */
export const CHAOS_CALL_ID = 'chaos';
const CALL_TYPE = 'default';
const CID = `${CALL_TYPE}:${CHAOS_CALL_ID}`;

/** A client's store, normalized: what must be the same with and without faults. */
export interface ClientSnapshot {
  user: string | undefined;
  /** `direction cid`, sorted. */
  pending: string[];
  active: string | undefined;
  /** User ids of the active call's participants, sorted. */
  participants: string[];
  recording: boolean;
  /** The connected user's capabilities in the active call, sorted. */
  ownCapabilities: string[];
  /** `cid by user` of the last `call.accepted` of an outgoing call. */
  accepted: string | undefined;
  /** `user: permissions` of the last permission request in the active call. */
  permissionRequest: string | undefined;
}

/** What one user's delivered seq numbers say. */
export interface SeqReport {
  /** Coordinator events delivered to the `on('*')` listener. */
  delivered: number;
  /** The server's last seq for this user. */
  serverSeq: number;
  /** Server seqs never delivered. */
  lost: number;
  /** Deliveries of a seq delivered before. */
  duplicated: number;
  /** Whether the seqs are exactly 1, 2, ..., serverSeq. */
  consecutive: boolean;
}

/** Faults that fired (not merely planned), by kind. */
export interface FaultTally {
  unavailable: number;
  internal: number;
  dropped: number;
  silenced: number;
  delayedFrames: number;
}

/** What one run did and saw. */
export interface ChaosResult {
  seed: number;
  faults: boolean;
  /** Per step: its name, the actions' attempts and every client's snapshot once it settled. */
  steps: { name: string; attempts: number; snapshots: Record<ChaosUser, ClientSnapshot> }[];
  /** Each client's store at the end, before disconnecting. */
  final: Record<ChaosUser, ClientSnapshot>;
  /** Each user's delivered coordinator events, `seq type`, in delivery order. */
  events: Record<ChaosUser, string[]>;
  seqs: Record<ChaosUser, SeqReport>;
  injected: FaultTally;
  /** Actions tried again after an injected failure. */
  actionRetries: number;
  /** Times a client's connection came back (`connected` after the first). */
  reconnects: number;
  durationMs: number;
}

/** Options of {@link runChaosScenario}. */
export interface ChaosOptions {
  seed: number;
  /** Inject faults (false: the reference run). */
  faults: boolean;
  /** Bound of each wait, in ms (default 5,000). */
  waitMs?: number;
  /** Attempts of one user action (default 8). */
  maxActionAttempts?: number;
  /** Progress lines (default: none). */
  log?: (line: string) => void;
}

/** Counts, on the server, each RPC attempt by method and each injected failure by code. */
export interface RpcTally {
  /** Requests that reached the router, by schema method (`JoinCall`), failed or not. */
  attempts: Map<string, number>;
  /** Injected failures by Twirp code. */
  injected: Map<string, number>;
  /** Requests still waiting out an injected latency (they reach their handler afterwards). */
  inFlight: number;
  /** Called with the schema method as each request reaches the router, before any fault. */
  onAttempt?: (method: string) => void;
}

/**
 * Wraps `c.rpcFaults.apply` (called by the Twirp router for every request of a known method,
 * before the handler) to count attempts by method and injected failures by code.
 */
export function tallyRpcFaults(c: LocalCoordinator): RpcTally {
  const tally: RpcTally = { attempts: new Map(), injected: new Map(), inFlight: 0 };
  const faults = c.rpcFaults;
  const apply = faults.apply.bind(faults);
  faults.apply = async (method: string) => {
    tally.attempts.set(method, (tally.attempts.get(method) ?? 0) + 1);
    tally.onAttempt?.(method);
    tally.inFlight++;
    try {
      await apply(method);
    } catch (err) {
      if (err instanceof TwirpError) tally.injected.set(err.code, (tally.injected.get(err.code) ?? 0) + 1);
      throw err;
    } finally {
      tally.inFlight--;
    }
  };
  return tally;
}

/** The seq report of `seqs` (in delivery order) against the server's last seq. */
export function seqReport(seqs: readonly number[], serverSeq: number): SeqReport {
  const seen = new Set<number>();
  let duplicated = 0;
  for (const s of seqs) {
    if (seen.has(s)) duplicated++;
    seen.add(s);
  }
  let lost = 0;
  for (let s = 1; s <= serverSeq; s++) if (!seen.has(s)) lost++;
  const consecutive = seqs.length === serverSeq && seqs.every((s, i) => s === i + 1);
  return { delivered: seqs.length, serverSeq, lost, duplicated, consecutive };
}

/** A client's store, normalized (see {@link ClientSnapshot}). */
export function snapshotOf(client: StreamVideoClient): ClientSnapshot {
  const s = client.readOnlyStateStore;
  const active = s.activeCall$.get();
  const accepted = s.acceptedCall$.get();
  const request = s.callPermissionRequest$.get();
  return {
    user: s.connectedUser$.get()?.id,
    pending: s.pendingCalls$
      .get()
      .map((p) => `${p.direction} ${p.call.call?.cid}`)
      .sort(),
    active: active?.cid,
    participants: s.participants$
      .get()
      .toArray()
      .map((p) => p.userId)
      .sort(),
    recording: s.callRecordingInProgress$.get(),
    ownCapabilities: [...(active?.ownCapabilities ?? [])].sort(),
    accepted: accepted ? `${accepted.callCid} by ${accepted.user?.id}` : undefined,
    permissionRequest: request ? `${request.user?.id}: ${request.permissions.join(',')}` : undefined,
  };
}

/** Differences between a reference run and another run; empty when they agree. */
export function diffRuns(reference: ChaosResult, run: ChaosResult): string[] {
  const out: string[] = [];
  const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);
  if (reference.steps.length !== run.steps.length) out.push(`steps: ${reference.steps.length} in the reference, ${run.steps.length} here`);
  reference.steps.forEach((step, i) => {
    const other = run.steps[i];
    if (!other) return;
    for (const u of CHAOS_USERS) {
      if (!same(step.snapshots[u], other.snapshots[u])) {
        out.push(`after "${step.name}", ${u}'s store: expected ${JSON.stringify(step.snapshots[u])}, got ${JSON.stringify(other.snapshots[u])}`);
      }
    }
  });
  for (const u of CHAOS_USERS) {
    if (!same(reference.final[u], run.final[u]))
      out.push(`final store of ${u}: expected ${JSON.stringify(reference.final[u])}, got ${JSON.stringify(run.final[u])}`);
    if (!same(reference.events[u], run.events[u])) out.push(`events of ${u}: expected [${reference.events[u].join(', ')}], got [${run.events[u].join(', ')}]`);
    const r = run.seqs[u];
    if (!r.consecutive || r.lost > 0 || r.duplicated > 0) out.push(`seqs of ${u}: ${JSON.stringify(r)}`);
  }
  return out;
}

/** What each user saw through `on('*')`. */
class Recorder {
  readonly seqs: number[] = [];
  readonly types: string[] = [];
  connected = 0;
  readonly signal = new Signal();
  private readonly stop: () => void;

  constructor(client: StreamVideoClient) {
    this.stop = client.on('*', (e) => {
      if ('seq' in e && typeof e.seq === 'number') {
        this.seqs.push(e.seq);
        this.types.push(`${e.seq} ${e.type}`);
      } else if (e.type === 'connection.changed' && e.state === 'connected') {
        this.connected++;
      }
      this.signal.notify();
    });
  }

  get lastSeq(): number {
    return this.seqs[this.seqs.length - 1] ?? 0;
  }

  close(): void {
    this.stop();
  }
}

/** One user action of the scenario. */
interface Step {
  name: string;
  /** Schema methods the action calls: where RPC faults are aimed. */
  rpcs: string[];
  act: () => Promise<unknown>;
  /** Waits until the effect is visible (beyond the seq catch-up every step gets). */
  settle: () => Promise<unknown>;
}

type SocketFault = { kind: 'drop' | 'silence'; user: ChaosUser; delayMs: number };

/** The faults of one step, drawn from the seeded PRNG. */
interface StepFaults {
  rpc: { method: string; code: TwirpCode; count: number } | undefined;
  sockets: SocketFault[];
  frameDelayMs: number;
}

function drawFaults(rand: () => number, step: Step): StepFaults {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(rand() * list.length)];
  const faults: StepFaults = { rpc: undefined, sockets: [], frameDelayMs: 0 };
  if (rand() < 0.6) {
    const method = rand() < 0.85 ? pick(step.rpcs) : '*';
    faults.rpc = { method, code: rand() < 0.5 ? 'unavailable' : 'internal', count: 1 + Math.floor(rand() * 3) };
  }
  for (const kind of ['drop', 'silence'] as const) {
    if (rand() < (kind === 'drop' ? 0.35 : 0.25)) faults.sockets.push({ kind, user: pick(CHAOS_USERS), delayMs: rand() < 0.5 ? 0 : Math.floor(rand() * 25) });
  }
  if (rand() < 0.3) faults.frameDelayMs = 1 + Math.floor(rand() * 8);
  return faults;
}

/**
 * Runs the scenario once against a new coordinator and returns what it saw. Rejects when a
 * step fails with an error that was not injected, or a wait runs out.
 */
export async function runChaosScenario(options: ChaosOptions): Promise<ChaosResult> {
  const started = Date.now();
  const waitMs = options.waitMs ?? 5000;
  const maxAttempts = options.maxActionAttempts ?? 8;
  const log = options.log ?? (() => {});
  const rand = mulberry32(options.seed);
  const h = await Harness.start({ hub: { healthCheckIntervalMs: 50 } });
  const tally = tallyRpcFaults(h.c);
  const sdkLogs: string[] = [];
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const recorders = new Map<ChaosUser, Recorder>();
  try {
    const clients = {} as Record<ChaosUser, StreamVideoClient>;
    for (const [i, user] of CHAOS_USERS.entries()) {
      const client = await h.connect(user, {
        opts: {
          logger: (level, message, extra) => {
            if (level === 'warn' || level === 'error') sdkLogs.push(`${user} ${level} ${message} ${JSON.stringify(extra ?? {})}`);
          },
          reconnectPolicy: new ExponentialBackoff({ baseMs: 5, maxMs: 40, random: mulberry32(options.seed * 31 + i) }),
          retry: { maxAttempts: 3, baseDelayMs: 5, maxDelayMs: 20 },
          timeouts: { rpcMs: 3000, connectMs: 5000, handshakeMs: 2000, reconnectWaitMs: waitMs },
        },
      });
      clients[user] = client;
      recorders.set(user, new Recorder(client));
    }
    const { alice, bob, carol } = clients;
    const store = (u: ChaosUser) => clients[u].readOnlyStateStore;
    const participantsOf = (u: ChaosUser, ...expected: string[]) =>
      waitFor(
        store(u).participants$,
        (l) =>
          JSON.stringify(
            l
              .toArray()
              .map((p) => p.userId)
              .sort(),
          ) === JSON.stringify(expected),
        `${u}'s participants to be [${expected.join(', ')}]`,
        waitMs,
      );
    const untilEvent = (u: ChaosUser, check: () => boolean, what: string) => recorders.get(u)!.signal.until(check, `${u}: ${what}`, waitMs);
    const calls: Partial<Record<ChaosUser, Call>> = {};
    const leave = async (u: ChaosUser) => {
      const call = calls[u];
      if (!call) throw new Error(`${u} has no call to leave`);
      await call.leave();
    };

    const steps: Step[] = [
      {
        name: 'alice rings bob and carol',
        rpcs: ['GetOrCreateCall'],
        act: () => alice.getOrCreateCall(CHAOS_CALL_ID, CALL_TYPE, { members: [{ userId: 'bob' }, { userId: 'carol' }], ring: true }),
        settle: () =>
          Promise.all([
            waitFor(store('alice').outgoingCalls$, (l) => l.some((p) => p.call.call?.cid === CID), 'alice: outgoing ring', waitMs),
            waitFor(store('bob').incomingCalls$, (l) => l.some((p) => p.call.call?.cid === CID), 'bob: incoming ring', waitMs),
            waitFor(store('carol').incomingCalls$, (l) => l.some((p) => p.call.call?.cid === CID), 'carol: incoming ring', waitMs),
          ]),
      },
      {
        name: 'bob accepts',
        rpcs: ['JoinCall'],
        act: async () => (calls.bob = await bob.acceptCall(CHAOS_CALL_ID, CALL_TYPE)),
        settle: () =>
          Promise.all([
            waitFor(store('alice').acceptedCall$, (e) => e?.callCid === CID && e.user?.id === 'bob', 'alice: bob accepted', waitMs),
            waitFor(store('alice').outgoingCalls$, (l) => l.length === 0, 'alice: the ring is over', waitMs),
            participantsOf('bob', 'bob'),
          ]),
      },
      {
        name: 'carol rejects',
        rpcs: ['SendCallEvent'],
        act: () => carol.rejectCall(CHAOS_CALL_ID, CALL_TYPE),
        settle: () =>
          Promise.all([
            waitFor(store('carol').incomingCalls$, (l) => l.length === 0, 'carol: no ring', waitMs),
            untilEvent('alice', () => recorders.get('alice')!.types.some((t) => t.endsWith(' call.rejected')), 'call.rejected'),
          ]),
      },
      {
        name: 'alice joins',
        rpcs: ['JoinCall'],
        act: async () => (calls.alice = await alice.joinCall(CHAOS_CALL_ID, CALL_TYPE)),
        settle: () => Promise.all([participantsOf('alice', 'alice', 'bob'), participantsOf('bob', 'alice', 'bob')]),
      },
      {
        name: 'bob requests screenshare',
        rpcs: ['RequestPermission'],
        act: () => bob.requestCallPermissions(CHAOS_CALL_ID, CALL_TYPE, { permissions: ['screenshare'] }),
        settle: () => waitFor(store('alice').callPermissionRequest$, (e) => e?.user?.id === 'bob', 'alice: bob asks for screenshare', waitMs),
      },
      {
        name: 'alice grants screenshare',
        rpcs: ['UpdateUserPermissions'],
        act: () => alice.updateUserPermissions(CHAOS_CALL_ID, CALL_TYPE, { userId: 'bob', grantPermissions: ['screenshare'] }),
        settle: () => untilEvent('bob', () => calls.bob?.ownCapabilities.includes('screenshare') === true, 'screenshare granted'),
      },
      {
        name: 'alice starts recording',
        rpcs: ['StartRecording'],
        act: () => alice.startRecording(CHAOS_CALL_ID, CALL_TYPE),
        settle: () => Promise.all((['alice', 'bob'] as const).map((u) => waitFor(store(u).callRecordingInProgress$, (r) => r, `${u}: recording`, waitMs))),
      },
      {
        name: 'alice stops recording',
        rpcs: ['StopRecording'],
        act: () => alice.stopRecording(CHAOS_CALL_ID, CALL_TYPE),
        settle: () => Promise.all((['alice', 'bob'] as const).map((u) => waitFor(store(u).callRecordingInProgress$, (r) => !r, `${u}: not recording`, waitMs))),
      },
      {
        name: 'carol joins',
        rpcs: ['JoinCall'],
        act: async () => (calls.carol = await carol.joinCall(CHAOS_CALL_ID, CALL_TYPE)),
        settle: () => Promise.all(CHAOS_USERS.map((u) => participantsOf(u, 'alice', 'bob', 'carol'))),
      },
      {
        name: 'carol leaves',
        rpcs: ['LeaveCall'],
        act: () => leave('carol'),
        settle: () =>
          Promise.all([
            participantsOf('alice', 'alice', 'bob'),
            participantsOf('bob', 'alice', 'bob'),
            waitFor(store('carol').activeCall$, (c) => c === undefined, 'carol: no call', waitMs),
          ]),
      },
      {
        name: 'bob leaves',
        rpcs: ['LeaveCall'],
        act: () => leave('bob'),
        settle: () => Promise.all([participantsOf('alice', 'alice'), waitFor(store('bob').activeCall$, (c) => c === undefined, 'bob: no call', waitMs)]),
      },
      {
        name: 'alice leaves',
        rpcs: ['LeaveCall'],
        act: () => leave('alice'),
        settle: () => waitFor(store('alice').activeCall$, (c) => c === undefined, 'alice: no call', waitMs),
      },
    ];

    /** Every client has every event the server numbered for it. */
    const caughtUp = () =>
      Promise.all(
        CHAOS_USERS.map((u) => {
          const rec = recorders.get(u)!;
          return rec.signal.until(
            () => rec.lastSeq >= h.c.events.log(u).seq,
            `${u} to receive every event (server seq ${h.c.events.log(u).seq})`,
            waitMs,
            () => `delivered up to ${rec.lastSeq}, state ${store(u).connectionState$.get()}`,
          );
        }),
      );

    const result: ChaosResult = {
      seed: options.seed,
      faults: options.faults,
      steps: [],
      final: {} as ChaosResult['final'],
      events: {} as ChaosResult['events'],
      seqs: {} as ChaosResult['seqs'],
      injected: { unavailable: 0, internal: 0, dropped: 0, silenced: 0, delayedFrames: 0 },
      actionRetries: 0,
      reconnects: 0,
      durationMs: 0,
    };

    for (const step of steps) {
      const faults = options.faults ? drawFaults(rand, step) : undefined;
      const pending: Promise<void>[] = [];
      if (faults) {
        if (faults.rpc) h.c.rpcFaults.failNext(faults.rpc.method, faults.rpc.count, faults.rpc.code);
        h.c.hub.faults.setFrameDelay(faults.frameDelayMs);
        for (const f of faults.sockets) {
          const fire = () => void (f.kind === 'drop' ? h.c.hub.faults.dropUser(f.user) : h.c.hub.faults.silenceUser(f.user));
          if (f.delayMs === 0) fire();
          else {
            pending.push(
              new Promise<void>((resolve) => {
                const timer = setTimeout(() => {
                  timers.delete(timer);
                  fire();
                  resolve();
                }, f.delayMs);
                timers.add(timer);
              }),
            );
          }
        }
        log(`  ${step.name}: ${describeFaults(faults)}`);
      }
      let attempts = 0;
      for (;;) {
        attempts++;
        try {
          await within(step.act(), `the action "${step.name}"`, waitMs * 2);
          break;
        } catch (err) {
          const injected = err instanceof StreamVideoError && err.meta['injected'] === 'true';
          if (!injected || attempts >= maxAttempts) {
            throw new Error(`step "${step.name}" failed (attempt ${attempts}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
          }
          result.actionRetries++;
          await new Promise((resolve) => setTimeout(resolve, 5)); // the user clicks again
        }
      }
      await Promise.all(pending);
      await within(step.settle(), `the effect of "${step.name}"`, waitMs);
      await caughtUp();
      // Planned failures the step did not consume would hit another step: drop them.
      h.c.rpcFaults.clear();
      h.c.hub.faults.setFrameDelay(0);
      result.steps.push({ name: step.name, attempts, snapshots: snapshotAll(clients) });
    }

    // Every socket live again, every event delivered: the end state.
    await Promise.all(CHAOS_USERS.map((u) => waitFor(store(u).connectionState$, (s) => s === 'connected', `${u}: connected`, waitMs)));
    await caughtUp();
    result.final = snapshotAll(clients);
    for (const u of CHAOS_USERS) {
      const rec = recorders.get(u)!;
      result.events[u] = [...rec.types];
      result.seqs[u] = seqReport(rec.seqs, h.c.events.log(u).seq);
      result.reconnects += Math.max(0, rec.connected - 1);
    }
    result.injected = {
      unavailable: tally.injected.get('unavailable') ?? 0,
      internal: tally.injected.get('internal') ?? 0,
      dropped: h.c.hub.faultCounts.dropped,
      silenced: h.c.hub.faultCounts.silenced,
      delayedFrames: h.c.hub.faultCounts.delayedFrames,
    };
    result.durationMs = Date.now() - started;
    return result;
  } catch (err) {
    const seen = [...recorders.entries()].map(([u, r]) => `${u}: seqs up to ${r.lastSeq} (server ${h.c.events.log(u).seq})`).join('; ');
    const logs = sdkLogs.slice(-10).join('\n    ');
    throw new Error(
      `seed ${options.seed}${options.faults ? '' : ' (reference)'}: ${err instanceof Error ? err.message : String(err)}\n  ${seen}${logs ? `\n  last SDK warnings:\n    ${logs}` : ''}`,
      { cause: err },
    );
  } finally {
    for (const t of timers) clearTimeout(t);
    for (const r of recorders.values()) r.close();
    await h.close();
  }
}

function snapshotAll(clients: Record<ChaosUser, StreamVideoClient>): Record<ChaosUser, ClientSnapshot> {
  return Object.fromEntries(CHAOS_USERS.map((u) => [u, snapshotOf(clients[u])])) as Record<ChaosUser, ClientSnapshot>;
}

function describeFaults(f: StepFaults): string {
  const parts: string[] = [];
  if (f.rpc) parts.push(`${f.rpc.method} fails ${f.rpc.count}x ${f.rpc.code}`);
  for (const s of f.sockets) parts.push(`${s.kind} ${s.user}${s.delayMs ? ` after ${s.delayMs} ms` : ''}`);
  if (f.frameDelayMs) parts.push(`frames +${f.frameDelayMs} ms`);
  return parts.join(', ') || 'no faults';
}

/** Sums the fault tallies of several runs. */
export function addTally(a: FaultTally, b: FaultTally): FaultTally {
  return {
    unavailable: a.unavailable + b.unavailable,
    internal: a.internal + b.internal,
    dropped: a.dropped + b.dropped,
    silenced: a.silenced + b.silenced,
    delayedFrames: a.delayedFrames + b.delayedFrames,
  };
}

/**
 * A TCP proxy on 127.0.0.1 in front of the coordinator's HTTP port, for RPC faults below
 * HTTP: `resets` resets the connection of the next N requests (each one arriving chunk
 * counts), `hold()` holds every byte the server sends until `release()` (answers arrive late,
 * in order). Point a client's `twirpUrl` at `twirpUrl`.
 */
export interface TcpProxy {
  /** `http://127.0.0.1:<port>/twirp`. */
  readonly twirpUrl: string;
  /** Requests still to reset. */
  resets: number;
  readonly holding: boolean;
  hold(): void;
  release(): void;
  /** Destroys every connection and stops listening. */
  close(): Promise<void>;
}

export async function startTcpProxy(baseUrl: string): Promise<TcpProxy> {
  const target = new URL(baseUrl);
  const sockets = new Set<Socket>();
  let held: (() => void)[] = [];
  const server = createServer((inbound) => {
    const outbound = new (inbound.constructor as typeof Socket)();
    for (const s of [inbound, outbound]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => {
        sockets.delete(s);
        inbound.destroy();
        outbound.destroy();
      });
    }
    outbound.connect(Number(target.port), target.hostname);
    outbound.on('data', (chunk: Buffer) => {
      if (proxy.holding) held.push(() => inbound.write(chunk));
      else inbound.write(chunk);
    });
    inbound.on('data', (chunk: Buffer) => {
      if (proxy.resets > 0) {
        proxy.resets--;
        inbound.resetAndDestroy();
        return;
      }
      outbound.write(chunk);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  const proxy = {
    twirpUrl: `http://127.0.0.1:${port}/twirp`,
    resets: 0,
    holding: false,
    hold() {
      proxy.holding = true;
    },
    release() {
      proxy.holding = false;
      const queued = held;
      held = [];
      for (const write of queued) write();
    },
    async close() {
      held = [];
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  return proxy;
}
