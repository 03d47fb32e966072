/**
 * `npm run example:react [-- --port 3031] [--host 127.0.0.1]`: the React example
 * (`examples/react`), built by vite and served beside a local coordinator on one origin.
 * Open the printed URL in two tabs, pick alice in one and bob in the other.
 * Stops cleanly on SIGINT / SIGTERM.
 */
import { parseArgs } from 'node:util';
import { startReactExample } from '../examples/react/server';
import { runMain, untilStopSignal } from './cli-support';

const USAGE = 'usage: npm run example:react -- [--port 3031] [--host 127.0.0.1] [--secret local-secret] [--api-key local-key]';

async function main(argv: string[]): Promise<number> {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: '3031' },
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
  process.stdout.write('building examples/react with vite…\n');
  const example = await startReactExample({ port, host: values.host, secret: values.secret, apiKey: values['api-key'] });
  process.stdout.write(
    [
      `React example: ${example.url}`,
      `open it in two tabs, pick alice in one and bob in the other, then ring bob from alice's tab`,
      `(coordinator on the same origin, API key ${example.coordinator.apiKey})`,
      'stop with Ctrl+C',
      '',
    ].join('\n'),
  );
  await untilStopSignal();
  await example.close();
  return 0;
}

runMain(main, 'example:react failed');
