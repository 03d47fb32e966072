import type { IncomingMessage, ServerResponse } from 'node:http';
import type { MethodInfo, ServiceInfo } from '@protobuf-ts/runtime-rpc';
import { TwirpError } from './twirp-error';
import type { RpcFaults } from './faults';

/** What a handler of the local coordinator knows about the call it serves. */
export interface TwirpContext {
  /** The schema method, e.g. `JoinCall`. */
  readonly method: MethodInfo;
  /** The authenticated user (the token's `user_id`). */
  readonly userId: string;
}

/** Turns request headers into the caller's user id, or throws `TwirpError('unauthenticated')`. */
export type Authenticate = (headers: IncomingMessage['headers']) => Promise<string>;

/**
 * A service implementation: one async method per schema method, by its local name. Each takes
 * its own request message: `never` accepts a handler of any request type.
 */
export type ServiceImplementation = Record<string, (request: never, context: TwirpContext) => Promise<object>>;

export interface TwirpRouterOptions {
  service: ServiceInfo;
  implementation: ServiceImplementation;
  authenticate: Authenticate;
  faults?: RpcFaults;
  /** Path prefix; Twirp's default is `/twirp`. */
  prefix?: string;
  /** Largest accepted body, in bytes (default 1 MiB). */
  maxBodyBytes?: number;
  /** Reports unexpected handler errors (answered as `internal`). */
  onInternalError?: (err: unknown, method: string) => void;
}

type Format = 'json' | 'protobuf';

const JSON_WRITE = { useProtoFieldName: true, emitDefaultValues: true } as const;
const JSON_READ = { ignoreUnknownFields: true } as const;

/**
 * A Twirp v7 server over protobuf-ts service descriptors: routes
 * `POST <prefix>/<package>.<Service>/<Method>`, reads `application/protobuf` or
 * `application/json` (protobuf JSON mapping), answers in the same content type, and sends
 * errors as Twirp JSON `{code,msg,meta}` with the HTTP status of the code.
 *
 * The returned function answers and resolves `true` for paths under the prefix, and
 * resolves `false` without touching the response for any other path.
 */
export function createTwirpHandler(options: TwirpRouterOptions): (req: IncomingMessage, res: ServerResponse) => Promise<boolean> {
  const prefix = `${options.prefix ?? '/twirp'}/${options.service.typeName}/`;
  const root = `${options.prefix ?? '/twirp'}/`;
  const maxBody = options.maxBodyBytes ?? 1024 * 1024;
  const methods = new Map(options.service.methods.map((m) => [m.name, m]));

  return async (req, res) => {
    const path = (req.url ?? '').split('?')[0] ?? '';
    if (!path.startsWith(root)) return false;
    try {
      const method = path.startsWith(prefix) ? methods.get(path.slice(prefix.length)) : undefined;
      if (!method) throw new TwirpError('bad_route', `no handler for path "${path}"`, { twirp_invalid_route: `${req.method} ${path}` });
      if (req.method !== 'POST') {
        throw new TwirpError('bad_route', `unsupported method "${req.method}" (only POST is allowed)`, { twirp_invalid_route: `${req.method} ${path}` });
      }
      const format = contentFormat(req.headers['content-type']);
      if (!format) {
        throw new TwirpError('bad_route', `unexpected Content-Type: "${req.headers['content-type'] ?? ''}"`, { twirp_invalid_route: `${req.method} ${path}` });
      }
      await options.faults?.apply(method.name);
      const userId = await options.authenticate(req.headers);
      const body = await readBody(req, maxBody);
      const input = decode(method, format, body);
      const handler = options.implementation[method.localName];
      if (!handler) throw new TwirpError('unimplemented', `${method.name} is not implemented`);
      // The router decoded `input` with this method's own message type, the one its handler takes.
      const output = await handler(input as never, { method, userId });
      send(res, 200, format, encode(method, format, output));
    } catch (err) {
      const twirp = toTwirpError(err);
      if (!(err instanceof TwirpError)) options.onInternalError?.(err, path);
      send(res, twirp.status, 'json', Buffer.from(JSON.stringify(twirp.toJSON())));
    }
    return true;
  };
}

function contentFormat(header: string | undefined): Format | undefined {
  const type = (header ?? '').split(';')[0]?.trim().toLowerCase();
  if (type === 'application/json') return 'json';
  if (type === 'application/protobuf') return 'protobuf';
  return undefined;
}

function readBody(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) {
        // Keep draining (and dropping) the body: destroying the request would reset the
        // connection before the client could read the Twirp error.
        chunks = [];
        reject(new TwirpError('malformed', `the request body is larger than ${max} bytes`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', () => reject(new TwirpError('malformed', 'the request body could not be read')));
  });
}

function decode(method: MethodInfo, format: Format, body: Buffer): object {
  try {
    // The descriptor types its messages as `any`: every message is an object.
    if (format === 'protobuf') return method.I.fromBinary(body) as object;
    const text = body.length === 0 ? '{}' : body.toString('utf8');
    return method.I.fromJsonString(text, JSON_READ) as object;
  } catch (err) {
    const why = err instanceof Error ? err.message : String(err);
    throw new TwirpError('malformed', `the request could not be decoded as ${method.I.typeName} (${format}): ${why}`);
  }
}

function encode(method: MethodInfo, format: Format, output: object): Buffer {
  if (format === 'protobuf') return Buffer.from(method.O.toBinary(output));
  return Buffer.from(method.O.toJsonString(output, JSON_WRITE));
}

function send(res: ServerResponse, status: number, format: Format, body: Buffer): void {
  res.writeHead(status, {
    'content-type': format === 'json' ? 'application/json' : 'application/protobuf',
    'content-length': body.length,
  });
  res.end(body);
}

function toTwirpError(err: unknown): TwirpError {
  if (err instanceof TwirpError) return err;
  return new TwirpError('internal', 'internal error');
}
