import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { RECORDINGS_PATH, type RecordingRef, type UrlSigner } from './signed-url';

/**
 * Answers a download request of a recording (`GET` or `HEAD` `/recordings/<type>/<id>/<file>`
 * with a signed expiry), or returns false for a request of another path. A missing, changed
 * or expired signature is 403; a signed URL of a recording deleted since is 404; one range
 * (`Range: bytes=a-b`) gets 206, so that a `<video>` can seek.
 *
 * ```ts
 * if (await serveRecording(req, res, signer, (ref) => recordings.pathOf(ref), Date.now())) return;
 * ```
 * @param fileOf the file of a recording that exists, or undefined.
 */
export async function serveRecording(
  req: IncomingMessage,
  res: ServerResponse,
  signer: UrlSigner,
  fileOf: (ref: RecordingRef) => string | undefined,
  nowMs: number,
): Promise<boolean> {
  const target = req.url ?? '/';
  if (!target.startsWith(RECORDINGS_PATH)) return false;
  let url: URL;
  try {
    url = new URL(target, 'http://local');
  } catch {
    res.writeHead(400, { 'content-type': 'text/plain' }).end('bad request');
    return true;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain' }).end('method not allowed');
    return true;
  }
  const checked = signer.check(url, nowMs);
  if (typeof checked === 'string') {
    const why = { missing: 'a signed URL is required', invalid: 'the signature does not match', expired: 'the URL has expired' }[checked];
    res.writeHead(403, { 'content-type': 'text/plain', 'cache-control': 'no-store', 'x-recording-denied': checked }).end(why);
    return true;
  }
  const file = fileOf(checked);
  const size =
    file === undefined
      ? undefined
      : await stat(file).then(
          (s) => s.size,
          () => undefined,
        );
  if (file === undefined || size === undefined) {
    res.writeHead(404, { 'content-type': 'text/plain', 'cache-control': 'no-store' }).end('no such recording');
    return true;
  }
  const headers: Record<string, string | number> = {
    'content-type': 'video/webm',
    'accept-ranges': 'bytes',
    'cache-control': 'private, no-store',
    'content-disposition': `inline; filename="${checked.filename.replace(/["\\\r\n]/g, '_')}"`,
    'x-content-type-options': 'nosniff',
  };
  const range = byteRange(req.headers.range, size);
  if (range === 'unsatisfiable') {
    res.writeHead(416, { 'content-range': `bytes */${size}` }).end();
    return true;
  }
  const [start, end] = range ?? [0, size - 1];
  headers['content-length'] = size === 0 ? 0 : end - start + 1;
  if (range) headers['content-range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(range ? 206 : 200, headers);
  if (req.method === 'HEAD' || size === 0) {
    res.end();
    return true;
  }
  try {
    await pipeline(createReadStream(file, { start, end }), res);
  } catch {
    res.destroy(); // the file went (deleted meanwhile) or the client left: the response is cut
  }
  return true;
}

/**
 * The one range a `Range` header asks for, as `[first, last]` byte offsets within `size`;
 * undefined without a header or for one this server does not take (several ranges, other
 * units: the whole file is sent); `unsatisfiable` for a range past the end.
 */
export function byteRange(header: string | undefined, size: number): [number, number] | undefined | 'unsatisfiable' {
  const match = header === undefined ? null : /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (match[1] === '') {
    // A suffix: the last N bytes.
    const n = Number(match[2]);
    if (n === 0) return 'unsatisfiable';
    start = Math.max(0, size - n);
    end = size - 1;
  } else {
    start = Number(match[1]);
    end = match[2] === '' ? size - 1 : Math.min(Number(match[2]), size - 1);
  }
  if (start >= size || start > end) return 'unsatisfiable';
  return [start, end];
}
