/**
 * The demo page's server: a local coordinator that also serves a small browser app built on
 * the SDK's universal entry.
 *
 *   GET  /demo/                  the page (the API key in a meta tag)
 *   GET  /demo/app.js            app.ts, bundled for the browser once at start
 *   POST /demo/token             {"userId"} → {"token"} (1 h), minted with the coordinator's secret
 *   POST /demo/dominant-speaker  {"callCid","userId","sessionId"} → 204, publishes
 *                                `dominantSpeakerChanged` to the call's audience (simulated speech)
 *
 * The bundle step fails when the browser bundle pulls in `ws` or any Node built-in module:
 * it doubles as the check that the universal entry needs nothing from Node.
 *
 * ```ts
 * const demo = await startDemoServer({ port: 0 });
 * console.log(demo.url); // http://127.0.0.1:<port>/demo/
 * await demo.close();
 * ```
 */
import { build, type Metafile } from 'esbuild';
import { readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalCoordinator } from '../../src/testing/local-coordinator';
import type { SfuOptions } from '../../src/testing/sfu/sfu-options';
import type { RecordingOptions } from '../../src/testing/recording/recording-options';
import { HttpError, readJsonBody, sendJson, stringField, TOKEN_TTL_SECONDS, USER_ID } from '../shared/json-http';

/** Options of {@link startDemoServer}; every one has a default. */
export interface DemoServerOptions {
  /** Port to listen on (default 0: a free one). */
  port?: number;
  /** Address to listen on (default `127.0.0.1`). */
  host?: string;
  /** The app secret that signs tokens (default `local-secret`). */
  secret?: string;
  /** The API key (default `local-key`). */
  apiKey?: string;
  /** The folder with `index.html` and `app.ts` (default: this module's folder). */
  assetsDir?: string;
  /** An SFU for the calls' media (`'janus'`, or Janus's options); default none: a peer-to-peer mesh. */
  sfu?: SfuOptions;
  /** Where and how recordings of SFU calls are made (default: a temporary folder; see `LocalCoordinatorOptions.recordings`). */
  recordings?: RecordingOptions;
}

/** A running demo server. */
export interface DemoServer {
  /** The page, `baseUrl + '/demo/'`. */
  readonly url: string;
  readonly coordinator: LocalCoordinator;
  /** Stops the coordinator and closes every connection. */
  close(): Promise<void>;
}

const HERE = fileURLToPath(new URL('.', import.meta.url));
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));

/** Why a bundle is not fit for a browser: the Node-only modules it pulls in (empty when fit). */
export function nodeOnlyInputs(metafile: Metafile): string[] {
  const found = new Set<string>();
  const isNodeOnly = (path: string) =>
    path.startsWith('node:') || NODE_BUILTINS.has(path) || path === 'ws' || path === 'undici' || /(^|[/\\])node_modules[/\\](ws|undici)[/\\]/.test(path);
  for (const [input, info] of Object.entries(metafile.inputs)) {
    if (isNodeOnly(input)) found.add(input);
    for (const imported of info.imports) if (isNodeOnly(imported.path)) found.add(`${imported.path} (imported by ${input})`);
  }
  return [...found].sort();
}

/** A browser bundle that pulls in Node-only modules: `modules` names them (and who imports them). */
export class NodeOnlyBundleError extends Error {
  constructor(
    readonly entry: string,
    readonly modules: readonly string[],
  ) {
    super(`the browser bundle of ${entry} pulls in Node-only modules:\n  ${modules.join('\n  ')}`);
    this.name = 'NodeOnlyBundleError';
  }
}

/**
 * Bundles `entry` for the browser (ESM, minified), in memory. Throws when the build fails or
 * when the bundle pulls in `ws`, `undici` or a Node built-in module (built-ins are left
 * external, so that the bundle's imports name them instead of the build failing on them).
 */
export async function bundleForBrowser(entry: string): Promise<{ code: string; metafile: Metafile }> {
  const result = await build({
    entryPoints: [entry],
    platform: 'browser',
    format: 'esm',
    bundle: true,
    minify: true,
    write: false,
    metafile: true,
    target: 'es2022',
    define: { 'process.env.NODE_ENV': '"production"' },
    external: [...NODE_BUILTINS],
    logLevel: 'silent',
  });
  const nodeOnly = nodeOnlyInputs(result.metafile);
  if (nodeOnly.length > 0) {
    throw new NodeOnlyBundleError(entry, nodeOnly);
  }
  const output = result.outputFiles[0];
  if (!output) throw new Error(`esbuild produced no output for ${entry}`);
  return { code: output.text, metafile: result.metafile };
}

function escapeAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function send(res: ServerResponse, status: number, type: string, body: string | Buffer, head: boolean): void {
  res.writeHead(status, { 'content-type': type, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(head ? undefined : body);
}

/** Starts the coordinator with the demo routes; resolves once it listens. */
export async function startDemoServer(options: DemoServerOptions = {}): Promise<DemoServer> {
  const assetsDir = options.assetsDir ?? HERE;
  const apiKey = options.apiKey ?? 'local-key';
  const [{ code }, template] = await Promise.all([bundleForBrowser(join(assetsDir, 'app.ts')), readFile(join(assetsDir, 'index.html'), 'utf8')]);
  const html = template.replace('%API_KEY%', escapeAttribute(apiKey));
  let coordinator: LocalCoordinator | undefined;

  const routes: Record<string, { method: 'GET' | 'POST'; handle: (req: IncomingMessage, res: ServerResponse) => Promise<void> | void }> = {
    '/demo/': { method: 'GET', handle: (req, res) => send(res, 200, 'text/html; charset=utf-8', html, req.method === 'HEAD') },
    '/demo/app.js': { method: 'GET', handle: (req, res) => send(res, 200, 'text/javascript; charset=utf-8', code, req.method === 'HEAD') },
    '/demo/token': {
      method: 'POST',
      handle: async (req, res) => {
        const userId = stringField(await readJsonBody(req), 'userId', USER_ID);
        sendJson(res, 200, { token: await coordinator!.createToken(userId, { expiresInSeconds: TOKEN_TTL_SECONDS }) });
      },
    },
    '/demo/dominant-speaker': {
      method: 'POST',
      handle: async (req, res) => {
        const body = await readJsonBody(req);
        const callCid = stringField(body, 'callCid');
        const userId = stringField(body, 'userId', USER_ID);
        const sessionId = stringField(body, 'sessionId');
        const call = coordinator!.state.calls.get(callCid);
        if (!call || call.ended) throw new HttpError(404, `no call ${callCid} in progress`);
        if (call.participants.get(sessionId)?.userId !== userId) throw new HttpError(404, `user "${userId}" has no session "${sessionId}" in call ${callCid}`);
        coordinator!.events.publish(call.audience(), callCid, { oneofKind: 'dominantSpeakerChanged', dominantSpeakerChanged: { userId, sessionId } });
        res.writeHead(204, { 'cache-control': 'no-store' }).end();
      },
    },
  };

  const httpHandler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/' || path === '/demo') {
      res.writeHead(302, { location: '/demo/' }).end();
      return true;
    }
    if (!path.startsWith('/demo/')) return false;
    // The coordinator allows any origin; the demo routes (tokens!) are for the page itself only.
    for (const name of res.getHeaderNames()) if (name.startsWith('access-control-')) res.removeHeader(name);
    res.setHeader('x-content-type-options', 'nosniff');
    res.setHeader(
      'content-security-policy',
      "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
    );
    const route = routes[path];
    try {
      if (!route) throw new HttpError(404, 'not found');
      const allowed = route.method === 'GET' ? ['GET', 'HEAD'] : ['POST'];
      if (!allowed.includes(req.method ?? '')) {
        res.setHeader('allow', allowed.join(', '));
        throw new HttpError(405, `${req.method} is not allowed here`);
      }
      await route.handle(req, res);
    } catch (err) {
      if (!(err instanceof HttpError)) throw err;
      if (!res.headersSent) sendJson(res, err.status, { error: err.message });
    }
    return true;
  };

  coordinator = await LocalCoordinator.start({
    port: options.port ?? 0,
    host: options.host ?? '127.0.0.1',
    secret: options.secret ?? 'local-secret',
    apiKey,
    httpHandler,
    sfu: options.sfu,
    recordings: options.recordings,
  });
  const started = coordinator;
  return {
    url: `${started.baseUrl}/demo/`,
    coordinator: started,
    close: () => started.close(),
  };
}
