import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a generated Janus configuration says. */
export interface JanusConfigInput {
  /** The folder the configuration files are written to (Janus's `-F`). */
  readonly folder: string;
  /** The folder holding Janus's `plugins/`, `transports/`, `events/` and `loggers/`. */
  readonly libraryFolder: string;
  /** The port of the WebSocket API, on 127.0.0.1 only. */
  readonly wsPort: number;
  /** The only interface ICE gathers candidates on; every interface when undefined. */
  readonly iceInterface: string | undefined;
}

/** The plugin and the transport the coordinator uses; every other module is disabled. */
const VIDEOROOM = 'libjanus_videoroom.so';
const WEBSOCKETS = 'libjanus_websockets.so';

/** Where Debian (and a `make install` from source) put Janus's modules, best first. */
function libraryCandidates(): string[] {
  const multiarch = { x64: 'x86_64-linux-gnu', arm64: 'aarch64-linux-gnu', arm: 'arm-linux-gnueabihf', ia32: 'i386-linux-gnu' }[process.arch as string];
  return [...(multiarch ? [`/usr/lib/${multiarch}/janus`] : []), '/usr/lib/janus', '/usr/local/lib/janus', '/opt/janus/lib/janus'];
}

/** The first folder that holds Janus's VideoRoom plugin, or undefined. */
export function findJanusLibraryFolder(): string | undefined {
  return libraryCandidates().find((dir) => existsSync(join(dir, 'plugins', VIDEOROOM)));
}

/** The shared objects Janus would load from `dir` (every `*.so`), except `keep`. */
function othersIn(dir: string, keep?: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((name) => name.endsWith('.so') && name !== keep)
    .sort();
}

/**
 * The configuration files of a Janus that serves the VideoRoom plugin alone over a WebSocket
 * API on 127.0.0.1: every other plugin, transport, event handler and logger disabled (with
 * the stock configuration the Duktape plugin dumps core), IPv4 candidates only, optionally on
 * one interface. Returns the files by name; {@link writeJanusConfig} writes them.
 */
export function janusConfigFiles(input: JanusConfigInput): Record<string, string> {
  const lib = input.libraryFolder;
  const list = (names: string[]) => JSON.stringify(names.join(','));
  return {
    'janus.jcfg': [
      'general: {',
      `  configs_folder = ${JSON.stringify(input.folder)}`,
      `  plugins_folder = ${JSON.stringify(join(lib, 'plugins'))}`,
      `  transports_folder = ${JSON.stringify(join(lib, 'transports'))}`,
      `  events_folder = ${JSON.stringify(join(lib, 'events'))}`,
      `  loggers_folder = ${JSON.stringify(join(lib, 'loggers'))}`,
      '  debug_level = 4',
      '  server_name = "stream-video-local-sfu"',
      '  session_timeout = 60',
      '}',
      'media: {',
      '  ipv6 = false',
      '}',
      'nat: {',
      '  nice_debug = false',
      '  ignore_mdns = true',
      ...(input.iceInterface ? [`  ice_enforce_list = ${JSON.stringify(input.iceInterface)}`] : []),
      '}',
      'plugins: {',
      `  disable = ${list(othersIn(join(lib, 'plugins'), VIDEOROOM))}`,
      '}',
      'transports: {',
      `  disable = ${list(othersIn(join(lib, 'transports'), WEBSOCKETS))}`,
      '}',
      'events: {',
      '  broadcast = false',
      `  disable = ${list(othersIn(join(lib, 'events')))}`,
      '}',
      'loggers: {',
      `  disable = ${list(othersIn(join(lib, 'loggers')))}`,
      '}',
      '',
    ].join('\n'),
    'janus.plugin.videoroom.jcfg': ['general: {', '  string_ids = false', '}', ''].join('\n'),
    'janus.transport.websockets.jcfg': [
      'general: {',
      '  json = "compact"',
      '  ws = true',
      `  ws_port = ${input.wsPort}`,
      '  ws_ip = "127.0.0.1"',
      '  wss = false',
      '}',
      'admin: {',
      '  admin_ws = false',
      '  admin_wss = false',
      '}',
      '',
    ].join('\n'),
  };
}

/** Writes {@link janusConfigFiles} into `input.folder`. */
export function writeJanusConfig(input: JanusConfigInput): void {
  for (const [name, text] of Object.entries(janusConfigFiles(input))) writeFileSync(join(input.folder, name), text);
}
