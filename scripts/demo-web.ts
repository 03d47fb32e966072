/**
 * `npm run demo:web [-- --port 3030] [--host 127.0.0.1] [--sfu janus [--sfu-interface IF]]`:
 * the demo page on a local coordinator (with `--sfu janus`, every call's media goes through a
 * Janus the coordinator starts: Debian's package `janus`). Open the printed URL in two tabs,
 * pick alice in one and bob in the other. Stops cleanly on SIGINT / SIGTERM.
 */
import { startDemoServer } from '../examples/demo-page/demo-server';
import { parseServeArgs, runMain, untilStopSignal } from './cli-support';

const USAGE = 'usage: npm run demo:web -- [--port 3030] [--host 127.0.0.1] [--secret local-secret] [--api-key local-key] [--sfu janus [--sfu-interface IF]]';

async function main(argv: string[]): Promise<number> {
  const args = parseServeArgs(argv, USAGE, 3030, { sfu: true });
  if (typeof args === 'number') return args;
  const demo = await startDemoServer(args);
  process.stdout.write(
    [
      `demo page: ${demo.url}`,
      `open it in two tabs, pick alice in one and bob in the other, then ring bob from alice's tab`,
      `(coordinator at ${demo.coordinator.baseUrl}, API key ${demo.coordinator.apiKey}; media ${demo.coordinator.sfu ? `through Janus, pid ${demo.coordinator.sfu.pid}` : 'peer to peer (--sfu janus for an SFU)'})`,
      'stop with Ctrl+C',
      '',
    ].join('\n'),
  );
  await untilStopSignal();
  await demo.close();
  return 0;
}

runMain(main, 'demo:web failed');
