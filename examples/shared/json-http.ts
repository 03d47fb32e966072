/**
 * What the example servers share for their own routes (token minting and the like): a JSON
 * body read with a size cap, its string fields checked, and JSON answers, an error being
 * `{ "error": "…" }` with its status.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** How long a token minted for a page lives, in seconds. */
export const TOKEN_TTL_SECONDS = 3600;
/** The largest request body a route reads. */
export const MAX_BODY_BYTES = 16 * 1024;
/** A user id a page may ask a token for: 1 to 128 characters, no spaces or control characters. */
export const USER_ID = /^[^\s\u0000-\u001f]{1,128}$/;

/** A refusal of a route: answered as `{ "error": message }` with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** The JSON object of `req`'s body. @throws HttpError 413 past {@link MAX_BODY_BYTES}, 400 for anything but a JSON object. */
export async function readJsonBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  let body: unknown;
  try {
    body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
  } catch {
    throw new HttpError(400, 'the body must be JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'the body must be a JSON object');
  return body as Record<string, unknown>;
}

/** `body[name]`, a non-empty string (matching `pattern` when given). @throws HttpError 400 otherwise. */
export function stringField(body: Record<string, unknown>, name: string, pattern?: RegExp): string {
  const value = body[name];
  if (typeof value !== 'string' || value.length === 0 || (pattern && !pattern.test(value))) {
    throw new HttpError(400, `"${name}" must be a${pattern ? ' valid' : ' non-empty'} string`);
  }
  return value;
}

/** Answers `body` as JSON with `status`, never cached. */
export function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store' })
    .end(text);
}
