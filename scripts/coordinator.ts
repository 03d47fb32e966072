/**
 * The local coordinator's command line.
 *
 *   stream-video-coordinator [--port 3030] [--host 127.0.0.1] [--secret S] [--api-key K]
 *                            [--health-interval-ms 10000] [--sfu janus [--sfu-interface IF]]
 *                            [--recordings-dir DIR] [--recordings-max-mb N]
 *   stream-video-coordinator token <user-id> [--secret S] [--expires-in SECONDS]
 *   stream-video-coordinator --help | --version
 *
 * Starts the coordinator, prints its URLs, its API key and how to mint tokens, and stops
 * cleanly on SIGINT / SIGTERM. `token` prints a user token signed with the secret.
 * `--version` prints the package's version, read from the package.json one folder up (the
 * repository's from scripts/, the installed package's from dist/).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { LocalCoordinator, RecordingError, TokenAuthority } from '../src/testing';
import { runMain, untilStopSignal } from './cli-support';

const USAGE = `usage:
  stream-video-coordinator [--port 3030] [--host 127.0.0.1] [--secret local-secret] [--api-key local-key] [--health-interval-ms 10000]
                           [--sfu janus [--sfu-interface IF] [--sfu-max-publishers N]] [--recordings-dir DIR] [--recordings-max-mb N]
  stream-video-coordinator token <user-id> [--secret local-secret] [--expires-in SECONDS]
  stream-video-coordinator --help | --version`;

const HELP = `stream-video-coordinator: the local coordinator of stream-video-client (a Twirp server and
WebSocket hub, in memory) for demos and end-to-end tests. Not for production.

${USAGE}

commands:
  (none)                     start the coordinator; prints its URLs and API key; stops on Ctrl+C
  token <user-id>            print a user token (HS256, claim user_id) signed with --secret

options:
  --port N                   port to listen on, 0 for a free one (default 3030)
  --host H                   address to listen on (default 127.0.0.1)
  --secret S                 secret that signs and verifies tokens (default local-secret)
  --api-key K                API key clients must send (default local-key)
  --health-interval-ms N     WebSocket health-check interval, >= 10 (default 10000)
  --sfu janus                route every new call's media through a Janus Gateway the coordinator
                             starts and stops (Debian package "janus"); default: peer-to-peer mesh
  --sfu-interface IF         the only network interface Janus gathers ICE candidates on (default: all)
  --sfu-max-publishers N     most publishing participants per SFU call, 1 to 1000 (default 16)
  --recordings-dir DIR       where recordings of SFU calls are kept (default: a temporary folder,
                             removed on exit); making them needs Debian's "janus-tools" and "ffmpeg"
  --recordings-max-mb N      size cap of the recordings folder in MiB, >= 1 (default 1024)
  --expires-in SECONDS       token: lifetime of the token (default: no expiry)
  -h, --help                 print this help
  -v, --version              print the version`;

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        port: { type: 'string', default: '3030' },
        host: { type: 'string', default: '127.0.0.1' },
        secret: { type: 'string', default: 'local-secret' },
        'api-key': { type: 'string', default: 'local-key' },
        'health-interval-ms': { type: 'string', default: '10000' },
        sfu: { type: 'string' },
        'sfu-interface': { type: 'string' },
        'sfu-max-publishers': { type: 'string' },
        'recordings-dir': { type: 'string' },
        'recordings-max-mb': { type: 'string' },
        'expires-in': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (values.version) {
    process.stdout.write(`${version()}\n`);
    return 0;
  }
  if (positionals[0] === 'token') {
    const userId = positionals[1];
    if (!userId) {
      process.stderr.write(`token: a user id is required\n${USAGE}\n`);
      return 2;
    }
    const expires = values['expires-in'] === undefined ? undefined : Number(values['expires-in']);
    if (expires !== undefined && !Number.isFinite(expires)) {
      process.stderr.write('--expires-in must be a number of seconds\n');
      return 2;
    }
    process.stdout.write(`${await new TokenAuthority(values.secret).createToken(userId, { expiresInSeconds: expires })}\n`);
    return 0;
  }
  if (positionals.length > 0) {
    process.stderr.write(`unknown command "${positionals[0]}"\n${USAGE}\n`);
    return 2;
  }
  const port = Number(values.port);
  const interval = Number(values['health-interval-ms']);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`--port must be an integer from 0 to 65535, got "${values.port}"\n`);
    return 2;
  }
  if (!Number.isInteger(interval) || interval < 10) {
    process.stderr.write('--health-interval-ms must be an integer >= 10\n');
    return 2;
  }
  if (values.sfu !== undefined && values.sfu !== 'janus') {
    process.stderr.write(`--sfu must be "janus", got "${values.sfu}"\n`);
    return 2;
  }
  if (values.sfu === undefined && (values['sfu-interface'] !== undefined || values['sfu-max-publishers'] !== undefined)) {
    process.stderr.write('--sfu-interface and --sfu-max-publishers need --sfu janus\n');
    return 2;
  }
  const maxPublishers = values['sfu-max-publishers'] === undefined ? undefined : Number(values['sfu-max-publishers']);
  const maxMb = values['recordings-max-mb'] === undefined ? undefined : Number(values['recordings-max-mb']);
  if (maxMb !== undefined && (!Number.isInteger(maxMb) || maxMb < 1)) {
    process.stderr.write(`--recordings-max-mb must be an integer >= 1, got "${values['recordings-max-mb']}"\n`);
    return 2;
  }
  const coordinator = await LocalCoordinator.start({
    port,
    host: values.host,
    secret: values.secret,
    apiKey: values['api-key'],
    hub: { healthCheckIntervalMs: interval },
    sfu: values.sfu === undefined ? undefined : { iceInterface: values['sfu-interface'], maxPublishers },
    recordings: { folder: values['recordings-dir'], maxBytes: maxMb === undefined ? undefined : maxMb * 2 ** 20 },
    onError: (err, where) => process.stderr.write(`${describeError(err, where)}\n`),
  });
  const sample = await coordinator.createToken('alice', { expiresInSeconds: 24 * 3600 });
  process.stdout.write(
    [
      `local coordinator listening`,
      `  base URL:  ${coordinator.baseUrl}`,
      `  Twirp:     ${coordinator.twirpUrl}/stream.video.coordinator.v1.CoordinatorService/<Method>`,
      `  WebSocket: ${coordinator.wsUrl}`,
      `  API key:   ${coordinator.apiKey}`,
      `  media:     ${coordinator.sfu ? `through Janus (pid ${coordinator.sfu.pid}), every new call an SFU call` : 'peer-to-peer mesh (start with --sfu janus for an SFU)'}`,
      `  recordings: ${coordinator.sfu ? `files of SFU calls in ${values['recordings-dir'] ?? 'a temporary folder'} (cap ${maxMb ?? 1024} MiB)` : 'none: a mesh call records no file'}`,
      `mint a token (HS256, claim user_id, signed with the --secret):`,
      `  npm run coordinator -- token <user-id> --secret <secret> [--expires-in 3600]`,
      `  e.g. a token for "alice", valid 24 h: ${sample}`,
      `stop with Ctrl+C`,
      '',
    ].join('\n'),
  );
  await untilStopSignal();
  await coordinator.close();
  return 0;
}

/** A line for the log: a failed recording with its code, the call, the file and where its raw files are; anything else with its stack. */
function describeError(err: unknown, where: string): string {
  if (err instanceof RecordingError) {
    return `recording failed: code=${err.code} call=${err.callCid ?? '-'} file=${err.filename ?? '-'}${err.rawFolder ? ` raw files kept in ${err.rawFolder}` : ''}: ${err.message}`;
  }
  return `internal error at ${where}: ${err instanceof Error ? err.stack : String(err)}`;
}

runMain(main);
