/**
 * Benchmark 2, RPC overhead: the same Twirp method called by (a) raw `fetch` with the request
 * pre-encoded as protobuf and the headers written out, reading the response bytes, and (b) the
 * SDK's `client.coordinatorClient.queryCalls(...)` (message creation, token, auth headers, timeout
 * and abort wiring, retry policy, error mapping, response decoding).
 *
 * Calls alternate one by one, in a rotating order, with a third side for context: raw fetch
 * plus the generated decoding of the response (what any client must at least do). Each round
 * yields a p50 per side; the figure is the median over rounds of SDK p50 ÷ raw (bytes only) p50.
 * Two methods: QueryMembers with a page of one (the server does little: the strictest ratio) and QueryCalls
 * (a page of 10 calls).
 */
import { QueryCallsRequest, QueryCallsResponse, QueryMembersRequest, QueryMembersResponse } from '../gen/stream/video/coordinator/v1/coordinator_service';
import { CALL_CONFIG, StreamVideoClient } from '../src/index-node';
import { LocalCoordinator } from '../src/testing';
import { fmt, fmtSummary, now, quantile, summarize, type Row } from './stats';

const ROUNDS = 9;
const WARMUP_ROUNDS = 1;
const CALLS_PER_ROUND = 150;

export async function run(log: (line: string) => void): Promise<Row[]> {
  const c = await LocalCoordinator.start({ host: '127.0.0.1', port: 0, hub: { healthCheckIntervalMs: 600_000 } });
  const client = new StreamVideoClient(c.apiKey, { baseUrl: c.baseUrl, logger: () => {} }, CALL_CONFIG.meeting);
  try {
    const token = await c.createToken('bench-rpc');
    await client.connectUser({ id: 'bench-rpc', name: 'RPC' }, token);
    for (let i = 0; i < 12; i++) await client.getOrCreateCall(`rpc-${i}`, 'default', { members: [{ userId: 'someone' }], ring: false });

    const headers = { 'content-type': 'application/protobuf', authorization: `Bearer ${token}`, 'stream-api-key': c.apiKey };
    const url = (method: string) => `${c.twirpUrl}/stream.video.coordinator.v1.CoordinatorService/${method}`;
    const methods = [
      {
        name: 'QueryMembers',
        raw: {
          url: url('QueryMembers'),
          body: new Uint8Array(QueryMembersRequest.toBinary(QueryMembersRequest.create({ type: 'default', id: 'rpc-0', limit: 1 }))),
        },
        decode: (bytes: Uint8Array) => QueryMembersResponse.fromBinary(bytes),
        sdk: () => client.coordinatorClient.queryMembers({ type: 'default', id: 'rpc-0', limit: 1 }),
      },
      {
        name: 'QueryCalls',
        raw: { url: url('QueryCalls'), body: new Uint8Array(QueryCallsRequest.toBinary(QueryCallsRequest.create({ limit: 10 }))) },
        decode: (bytes: Uint8Array) => QueryCallsResponse.fromBinary(bytes),
        sdk: () => client.coordinatorClient.queryCalls({ limit: 10 }),
      },
    ];

    const rows: Row[] = [];
    for (const m of methods) {
      const rawCall = async () => {
        const res = await fetch(m.raw.url, { method: 'POST', headers, body: m.raw.body });
        const bytes = await res.arrayBuffer();
        if (!res.ok || bytes.byteLength === 0) throw new Error(`raw ${m.name} failed: ${res.status}`);
      };
      const time = async (fn: () => Promise<unknown>): Promise<number> => {
        const t0 = now();
        await fn();
        return now() - t0;
      };
      const decodedCall = async () => {
        const res = await fetch(m.raw.url, { method: 'POST', headers, body: m.raw.body });
        const bytes = new Uint8Array(await res.arrayBuffer());
        if (!res.ok || bytes.byteLength === 0) throw new Error(`raw ${m.name} failed: ${res.status}`);
        m.decode(bytes);
      };
      const sides = [rawCall, decodedCall, m.sdk];
      const ratios: number[] = [];
      const decodedRatios: number[] = [];
      const p50s: number[][] = [[], [], []];
      for (let round = -WARMUP_ROUNDS; round < ROUNDS; round++) {
        const times: number[][] = [[], [], []];
        for (let i = 0; i < CALLS_PER_ROUND; i++) {
          // Rotate the order so that no side always goes first.
          for (let k = 0; k < 3; k++) {
            const side = (i + k) % 3;
            times[side].push(await time(sides[side]));
          }
        }
        if (round < 0) continue;
        const [rawP50, decodedP50, sdkP50] = times.map((t) =>
          quantile(
            t.sort((a, b) => a - b),
            0.5,
          ),
        ) as [number, number, number];
        p50s[0].push(rawP50);
        p50s[1].push(decodedP50);
        p50s[2].push(sdkP50);
        ratios.push(sdkP50 / rawP50);
        decodedRatios.push(sdkP50 / decodedP50);
        log(
          `  ${m.name} round ${round + 1}/${ROUNDS}: raw p50 ${fmt(rawP50, 3)} ms, raw+decode ${fmt(decodedP50, 3)} ms, SDK ${fmt(sdkP50, 3)} ms, ratio ${fmt(sdkP50 / rawP50)}`,
        );
      }
      const ratio = summarize(ratios);
      const [rawS, decodedS, sdkS] = p50s.map((p) => summarize(p)) as [
        ReturnType<typeof summarize>,
        ReturnType<typeof summarize>,
        ReturnType<typeof summarize>,
      ];
      rows.push({
        figure: `2. RPC ${m.name}: SDK p50 ÷ raw fetch p50 latency`,
        value: `${fmtSummary(ratio)}; SDK ${fmt(sdkS.median, 3)} ms vs raw ${fmt(rawS.median, 3)} ms (÷ raw fetch + generated decode: ${fmt(summarize(decodedRatios).median)})`,
        goal: '≤ 1.15',
        holds: ratio.median <= 1.15,
        data: {
          ratio,
          ratioVsFetchAndDecode: summarize(decodedRatios),
          rawP50Ms: rawS,
          rawAndDecodeP50Ms: decodedS,
          sdkP50Ms: sdkS,
          callsPerRoundPerSide: CALLS_PER_ROUND,
          ratios,
        },
      });
    }
    return rows;
  } finally {
    await client.disconnectUser().catch(() => {});
    await c.close();
  }
}
