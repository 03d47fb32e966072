import { parseArgs } from 'node:util';

/** Resolves on the first SIGINT or SIGTERM, after saying which one arrived. */
export function untilStopSignal(): Promise<void> {
  return new Promise<void>((resolve) => {
    const stop = (signal: string) => {
      process.stdout.write(`${signal}: stopping\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}

/** Runs a command's `main` and exits with its code; a failure prints `label: message` and exits 1. */
export function runMain(main: (argv: string[]) => Promise<number>, label?: string): void {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${label ? `${label}: ` : ''}${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}

/** What `demo:web` and `example:react` take: where to listen, and the coordinator's secret and API key. */
export interface ServeArgs {
  port: number;
  host: string;
  secret: string;
  apiKey: string;
  /** `--sfu janus` (with `--sfu-interface IF`), where the command takes it: the calls' media through Janus. */
  sfu?: { iceInterface?: string };
}

/**
 * Parses `--port`, `--host`, `--secret`, `--api-key` and `--help` for a command that serves a
 * page beside a local coordinator. Returns the arguments, or the exit code when there is
 * nothing to serve: 0 after printing `usage` for `--help`, 2 after saying what is wrong.
 */
export function parseServeArgs(argv: string[], usage: string, defaultPort: number, takes: { sfu?: boolean } = {}): ServeArgs | number {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        port: { type: 'string', default: String(defaultPort) },
        host: { type: 'string', default: '127.0.0.1' },
        secret: { type: 'string', default: 'local-secret' },
        'api-key': { type: 'string', default: 'local-key' },
        help: { type: 'boolean', short: 'h', default: false },
        ...(takes.sfu ? { sfu: { type: 'string' as const }, 'sfu-interface': { type: 'string' as const } } : {}),
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${usage}\n`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer from 0 to 65535, got "${values.port}"\n`);
    return 2;
  }
  const sfu = (values as { sfu?: string }).sfu;
  const sfuInterface = (values as { 'sfu-interface'?: string })['sfu-interface'];
  if (sfu !== undefined && sfu !== 'janus') {
    process.stderr.write(`--sfu must be "janus", got "${sfu}"\n${usage}\n`);
    return 2;
  }
  if (sfu === undefined && sfuInterface !== undefined) {
    process.stderr.write(`--sfu-interface needs --sfu janus\n${usage}\n`);
    return 2;
  }
  return { port, host: values.host, secret: values.secret, apiKey: values['api-key'], ...(sfu ? { sfu: { iceInterface: sfuInterface } } : {}) };
}
