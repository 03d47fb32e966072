/**
 * The SFU benchmark: media through the local coordinator's Janus against the mesh, in real
 * Chromium (fake camera, 1280x720), both topologies on one coordinator (a mesh call asks for
 * it in its settings), their samples interleaved:
 *
 * - **join → first remote frame**: a page publishes its camera in a call; another page joins
 *   it and binds the publisher's tile; from the start of its `joinCall` to the first frame
 *   its `<video>` shows (`videoWidth` > 0). SFU over mesh; goal ≤ 1.3.
 * - **a publisher's upload, 7 others over 3 others**: one page publishes (640x360, so that the
 *   mesh publisher's seven encoders are not bound by the CPU), three then seven pages watch it; the publisher's outbound video bytes per second (all its connections,
 *   every layer), the median of windows, after the joins' keyframes. Goal ≤ 1.2 through the
 *   SFU; the mesh is shown beside it (one copy per viewer: about 2.3).
 *
 * Janus gathers no loopback candidate, so the measurements run inside a network namespace of
 * their own (lo and a veth pair, as the tests do): this module re-runs itself there as a child
 * process (root, `unshare` and `ip`) and reads its rows as JSON. No media leaves the machine.
 */
import { spawn } from 'node:child_process';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startDemoServer, type DemoServer } from '../examples/demo-page/demo-server';
import { fmt, fmtSummary, summarize, type Row } from './stats';

const CHROMIUM = '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--use-fake-ui-for-media-stream',
  '--use-fake-device-for-media-stream',
  '--autoplay-policy=no-user-gesture-required',
];
/** Join samples per topology (after one warm-up each), interleaved. */
const JOIN_SAMPLES = 9;
/** Upload windows per phase, and their length. */
const WINDOWS = 3;
const WINDOW_MS = 3000;
/** Time for the keyframes of new viewers to pass before the upload is measured. */
const SETTLE_MS = 3000;
/** Bound of one step (a join, a first frame), in ms. */
const STEP_MS = 30_000;

type Topology = 'sfu' | 'mesh';

declare global {
  interface Window {
    demo: { client: import('../src/index').StreamVideoClient };
  }
}

export async function run(log: (line: string) => void): Promise<Row[]> {
  if (!process.env.TEST_NETNS_INTERFACE) return inNamespace(log);
  return measure(process.env.TEST_NETNS_INTERFACE, log);
}

/** Runs this module again inside a network namespace of its own; its rows come back as JSON on stdout. */
function inNamespace(log: (line: string) => void): Promise<Row[]> {
  const setup = [
    'set -e',
    'ip link set lo up',
    'ip link add v0 type veth peer name v1',
    'ip addr add 10.255.0.1/24 dev v0',
    'ip link set v0 up',
    'ip link set v1 up',
    'export TEST_NETNS_INTERFACE=v0',
    'exec "$0" --import tsx "$1"',
  ].join('; ');
  return new Promise((resolve, reject) => {
    const child = spawn('unshare', ['-n', 'bash', '-c', setup, process.execPath, import.meta.filename], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => log(d.toString().trimEnd()));
    child.once('error', (err) => reject(new Error(`the SFU benchmark runs in a network namespace of its own (root, unshare, ip): ${err.message}`)));
    child.once('exit', (code) => {
      if (code !== 0) return reject(new Error(`the SFU benchmark's process exited with ${code}`));
      resolve(JSON.parse(out) as Row[]);
    });
  });
}

async function measure(iceInterface: string, log: (line: string) => void): Promise<Row[]> {
  const demo = await startDemoServer({ port: 0, sfu: { iceInterface } });
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS, timeout: 15_000 });
  try {
    return [...(await joinToFirstFrame(browser, demo, log)), ...(await uploads(browser, demo, log))];
  } finally {
    await browser.close();
    await demo.close();
  }
}

let calls = 0;

/** A page of the demo, its client connected as `userId` (no UI clicks: the client directly). */
async function pageAs(browser: Browser, demo: DemoServer, userId: string): Promise<Page> {
  const context = await browser.newContext({ permissions: ['camera', 'microphone'], viewport: { width: 1100, height: 760 } });
  const page = await context.newPage();
  await page.goto(demo.url);
  // No named function inside a page function: tsx would wrap it in a helper the page lacks.
  await page.evaluate(async (id) => {
    const answer = await fetch('/demo/token', { method: 'POST', body: JSON.stringify({ userId: id }) });
    await window.demo.client.connectUser({ id, name: id }, ((await answer.json()) as { token: string }).token);
  }, userId);
  return page;
}

/** `page` joins the `development` call `id` in `topology` and, with `publish`, publishes its camera captured at `width` x `height`. */
function join(page: Page, id: string, topology: Topology, publish?: { width: number; height: number }): Promise<void> {
  return page.evaluate(
    async ({ id, topology, publish }) => {
      const call = await window.demo.client.joinCall(id, 'development', { settingsOverride: { media: { topology } } });
      if (publish) await call.publishVideoStream(await navigator.mediaDevices.getUserMedia({ video: publish }));
    },
    { id, topology, publish },
  );
}

function leave(page: Page): Promise<void> {
  return page.evaluate(() => window.demo.client.readOnlyStateStore.activeCall$.get()?.leave());
}

/** From the start of the viewer's join to the first frame of the publisher's tile, in ms. */
function joinUntilFirstFrame(page: Page, id: string, topology: Topology, publisher: string): Promise<number> {
  return page.evaluate(
    async ({ id, topology, publisher, stepMs }) => {
      const t0 = performance.now();
      await window.demo.client.joinCall(id, 'development', { settingsOverride: { media: { topology } } });
      const deadline = t0 + stepMs;
      for (;;) {
        const video = document.querySelector<HTMLVideoElement>(`[data-testid="tile"][data-user-id="${publisher}"] [data-testid="tile-video"]`);
        if (video && video.videoWidth > 0) return performance.now() - t0;
        if (performance.now() > deadline) throw new Error(`no frame of ${publisher} within ${stepMs} ms`);
        await new Promise((resolve) => requestAnimationFrame(resolve));
      }
    },
    { id, topology, publisher, stepMs: STEP_MS },
  );
}

async function joinToFirstFrame(browser: Browser, demo: DemoServer, log: (line: string) => void): Promise<Row[]> {
  const [publisher, viewer] = await Promise.all([pageAs(browser, demo, 'pub'), pageAs(browser, demo, 'viewer')]);
  const samples: Record<Topology, number[]> = { sfu: [], mesh: [] };
  for (let i = -1; i < JOIN_SAMPLES; i++) {
    for (const topology of i % 2 === 0 ? (['sfu', 'mesh'] as const) : (['mesh', 'sfu'] as const)) {
      const id = `bench-join-${++calls}`;
      await join(publisher, id, topology, { width: 1280, height: 720 });
      // The publisher's media is up before the viewer comes (its SFU feed, its camera).
      await new Promise((resolve) => setTimeout(resolve, 1000));
      const ms = await joinUntilFirstFrame(viewer, id, topology, 'pub');
      if (i >= 0) samples[topology].push(ms);
      log(`   join → first frame, ${topology}: ${fmt(ms, 0)} ms${i < 0 ? ' (warm-up)' : ''}`);
      await Promise.all([leave(viewer), leave(publisher)]);
    }
  }
  await Promise.all([publisher.context().close(), viewer.context().close()]);
  const [sfu, mesh] = [summarize(samples.sfu), summarize(samples.mesh)];
  const ratio = sfu.median / mesh.median;
  return [
    {
      figure: '8. SFU: join → first remote frame (Chromium, 1280x720 camera), SFU ÷ mesh',
      value: `${fmt(ratio)}; SFU ${fmtSummary(sfu, 0, ' ms')} vs mesh ${fmtSummary(mesh, 0, ' ms')}`,
      goal: '≤ 1.3',
      holds: ratio <= 1.3,
      data: { samples },
    },
  ];
}

/** The outbound video bytes of `page`'s peer connections now, and when (ms). */
function sent(page: Page): Promise<{ bytes: number; at: number }> {
  return page.evaluate(async () => {
    const call = window.demo.client.readOnlyStateStore.activeCall$.get();
    const report = await call!.getStats();
    return { bytes: report.publisherStats.totalBytes, at: performance.now() };
  });
}

/** The median of the publisher's upload over windows, in bytes per second. */
async function uploadRate(page: Page): Promise<number> {
  const rates: number[] = [];
  for (let i = 0; i < WINDOWS; i++) {
    const a = await sent(page);
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const b = await sent(page);
    rates.push(((b.bytes - a.bytes) * 1000) / (b.at - a.at));
  }
  return summarize(rates).median;
}

async function uploads(browser: Browser, demo: DemoServer, log: (line: string) => void): Promise<Row[]> {
  const ratios: Partial<Record<Topology, { three: number; seven: number }>> = {};
  for (const topology of ['sfu', 'mesh'] as const) {
    const id = `bench-upload-${++calls}`;
    const publisher = await pageAs(browser, demo, 'pub');
    // 640x360: a mesh publisher encodes one stream per viewer, seven at 1280x720 would be bound by the CPU here, not the topology.
    await join(publisher, id, topology, { width: 640, height: 360 });
    const viewers: Page[] = [];
    const add = async (n: number) => {
      const pages = await Promise.all(Array.from({ length: n }, (_, k) => pageAs(browser, demo, `viewer-${viewers.length + k}`)));
      await Promise.all(pages.map((p) => join(p, id, topology)));
      viewers.push(...pages);
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    };
    await add(3);
    const three = await uploadRate(publisher);
    await add(4);
    const seven = await uploadRate(publisher);
    ratios[topology] = { three, seven };
    log(`   upload, ${topology}: ${fmt(three / 1000, 1)} kB/s with 3 others, ${fmt(seven / 1000, 1)} kB/s with 7`);
    await Promise.all([publisher, ...viewers].map((p) => p.context().close()));
  }
  const sfu = ratios.sfu!;
  const mesh = ratios.mesh!;
  return [
    {
      figure: "8. SFU: a publisher's upload with 7 others ÷ with 3 others, through the SFU (Chromium, 640x360 camera)",
      value: `${fmt(sfu.seven / sfu.three)}; ${fmt(sfu.seven / 1000, 1)} vs ${fmt(sfu.three / 1000, 1)} kB/s (mesh: ${fmt(mesh.seven / mesh.three)}; ${fmt(mesh.seven / 1000, 1)} vs ${fmt(mesh.three / 1000, 1)} kB/s)`,
      goal: '≤ 1.2',
      holds: sfu.seven / sfu.three <= 1.2,
      data: { sfu, mesh },
    },
  ];
}

// Run as the namespace's child process: the rows as JSON on stdout, progress on stderr.
if (process.argv[1] === import.meta.filename && process.env.TEST_NETNS_INTERFACE) {
  measure(process.env.TEST_NETNS_INTERFACE, (line) => process.stderr.write(`${line}\n`)).then(
    (rows) => {
      process.stdout.write(JSON.stringify(rows));
      process.exit(0);
    },
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
      process.exit(1);
    },
  );
}
