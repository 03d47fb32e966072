/**
 * The React example's server: a local coordinator that also serves the app, built by vite
 * (its JS API, in memory, once at start), and a token route.
 *
 *   GET  /               the app's index.html
 *   GET  /assets/…       the app's scripts and styles, as vite built them
 *   POST /token          {"userId"} → {"token"} (1 h), minted with the coordinator's secret
 *
 * The app talks to the coordinator on the same origin (Twirp under `/twirp/`, the socket at
 * `/video/connect`), so it needs no CORS and no URL but its own.
 *
 * ```ts
 * const example = await startReactExample({ port: 0 });
 * console.log(example.url); // http://127.0.0.1:<port>/
 * await example.close();
 * ```
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { build, mergeConfig, type Rolldown } from 'vite';
import { LocalCoordinator } from '../../src/testing/local-coordinator';
import { HttpError, readJsonBody, sendJson, stringField, TOKEN_TTL_SECONDS, USER_ID } from '../shared/json-http';
import config from './vite.config';

/** Options of {@link startReactExample}; every one has a default. */
export interface ReactExampleOptions {
  /** Port to listen on (default 0: a free one). */
  port?: number;
  /** Address to listen on (default `127.0.0.1`). */
  host?: string;
  /** The app secret that signs tokens (default `local-secret`). */
  secret?: string;
  /** The API key, built into the app as `VITE_STREAM_API_KEY` (default `local-key`). */
  apiKey?: string;
}

/** A running example: the app and the coordinator on one origin. */
export interface ReactExample {
  /** The app, `baseUrl + '/'`. */
  readonly url: string;
  /** The coordinator that serves the app. */
  readonly coordinator: LocalCoordinator;
  /** The files vite built, by URL path (`/` is `index.html`). */
  readonly files: ReadonlyMap<string, BuiltFile>;
  /** Stops the coordinator and closes every connection. */
  close(): Promise<void>;
}

/** One file of the built app. */
export interface BuiltFile {
  /** Its `content-type`. */
  readonly type: string;
  /** Its bytes. */
  readonly body: Buffer;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml',
};
const SECURITY_HEADERS = {
  'x-content-type-options': 'nosniff',
  'content-security-policy': "default-src 'self'; img-src 'self' data:; base-uri 'none'; frame-ancestors 'none'",
};

/**
 * Builds the app with vite's JS API, in memory (nothing is written to disk).
 * @param apiKey the API key the app uses.
 * @returns the built files by URL path; `/` and `/index.html` are the page.
 */
export async function buildReactExample(apiKey = 'local-key'): Promise<Map<string, BuiltFile>> {
  const result = await build(
    mergeConfig(config, {
      configFile: false,
      define: { 'import.meta.env.VITE_STREAM_API_KEY': JSON.stringify(apiKey) },
      build: { write: false },
    }),
  );
  const outputs = (Array.isArray(result) ? result : [result]) as Rolldown.RolldownOutput[];
  const files = new Map<string, BuiltFile>();
  for (const item of outputs.flatMap((o) => o.output)) {
    const body = Buffer.from(item.type === 'chunk' ? item.code : item.source);
    const ext = item.fileName.slice(item.fileName.lastIndexOf('.') + 1);
    files.set(`/${item.fileName}`, { type: TYPES[ext] ?? 'application/octet-stream', body });
  }
  const page = files.get('/index.html');
  if (!page) throw new Error('vite built no index.html');
  files.set('/', page);
  return files;
}

/** Builds the app, then starts the coordinator that serves it; resolves once it listens. */
export async function startReactExample(options: ReactExampleOptions = {}): Promise<ReactExample> {
  const apiKey = options.apiKey ?? 'local-key';
  const files = await buildReactExample(apiKey);
  let coordinator: LocalCoordinator | undefined;

  const httpHandler = async (req: IncomingMessage, res: ServerResponse): Promise<boolean> => {
    const path = (req.url ?? '/').split('?')[0];
    const file = files.get(path);
    if (!file && path !== '/token') return false;
    // The coordinator allows any origin; the app's routes (tokens!) are for the page itself only.
    for (const name of res.getHeaderNames()) if (name.startsWith('access-control-')) res.removeHeader(name);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    try {
      const allowed = file ? ['GET', 'HEAD'] : ['POST'];
      if (!allowed.includes(req.method ?? '')) {
        res.setHeader('allow', allowed.join(', '));
        throw new HttpError(405, `${req.method} is not allowed here`);
      }
      if (file) {
        const cache = path.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-store';
        res.writeHead(200, { 'content-type': file.type, 'content-length': file.body.length, 'cache-control': cache });
        res.end(req.method === 'HEAD' ? undefined : file.body);
      } else {
        const userId = stringField(await readJsonBody(req), 'userId', USER_ID);
        sendJson(res, 200, { token: await coordinator!.createToken(userId, { expiresInSeconds: TOKEN_TTL_SECONDS }) });
      }
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
  });
  const started = coordinator;
  return { url: `${started.baseUrl}/`, coordinator: started, files, close: () => started.close() };
}
