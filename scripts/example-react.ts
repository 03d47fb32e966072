/**
 * `npm run example:react [-- --port 3031] [--host 127.0.0.1]`: the React example
 * (`examples/react`), built by vite and served beside a local coordinator on one origin.
 * Open the printed URL in two tabs, pick alice in one and bob in the other.
 * Stops cleanly on SIGINT / SIGTERM.
 */
import { startReactExample } from '../examples/react/server';
import { parseServeArgs, runMain, untilStopSignal } from './cli-support';

const USAGE = 'usage: npm run example:react -- [--port 3031] [--host 127.0.0.1] [--secret local-secret] [--api-key local-key]';

async function main(argv: string[]): Promise<number> {
  const args = parseServeArgs(argv, USAGE, 3031);
  if (typeof args === 'number') return args;
  process.stdout.write('building examples/react with vite…\n');
  const example = await startReactExample(args);
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
