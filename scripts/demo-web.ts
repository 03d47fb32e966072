/**
 * `npm run demo:web [-- --port 3030] [--host 127.0.0.1]`: the demo page on a local
 * coordinator. Open the printed URL in two tabs, pick alice in one and bob in the other.
 * Stops cleanly on SIGINT / SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startDemoServer } from '../examples/demo-page/demo-server';
import { runMain, untilStopSignal } from './cli-support';

const USAGE = 'usage: npm run demo:web -- [--port 3030] [--host 127.0.0.1] [--secret local-secret] [--api-key local-key]';

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '3030' },
        host: { type: 'string', default: '127.0.0.1' },
        secret: { type: 'string', default: 'local-secret' },
        'api-key': { type: 'string', default: 'local-key' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer from 0 to 65535, got "${values.port}"\n`);
    return 2;
  }
  const demo = await startDemoServer({ port, host: values.host, secret: values.secret, apiKey: values['api-key'] });
  process.stdout.write(
    [
      `demo page: ${demo.url}`,
      `open it in two tabs, pick alice in one and bob in the other, then ring bob from alice's tab`,
      `(coordinator at ${demo.coordinator.baseUrl}, API key ${demo.coordinator.apiKey})`,
      'stop with Ctrl+C',
      '',
    ].join('\n'),
  );
  await untilStopSignal();
  await demo.close();
  return 0;
}

runMain(main, 'demo:web failed');
