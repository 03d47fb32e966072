import { createHmac, timingSafeEqual } from 'node:crypto';

/** The path prefix of recording downloads: `/recordings/<type>/<id>/<filename>`. */
export const RECORDINGS_PATH = '/recordings/';

/** A recording's place in the download paths. */
export interface RecordingRef {
  readonly type: string;
  readonly id: string;
  readonly filename: string;
}

/**
 * Signs and checks recording download URLs: `<base>/recordings/<type>/<id>/<filename>
 * ?expires=<epoch seconds>&signature=<HMAC-SHA256, base64url>`, the HMAC keyed with the app
 * secret over the path and the expiry. The URL carries no user token: whoever holds it may
 * download until it expires, and changing any part of it breaks the signature.
 *
 * ```ts
 * const signer = new UrlSigner('local-secret');
 * const url = signer.sign('http://127.0.0.1:3030', { type: 'default', id: 'c1', filename: 'rec.webm' }, Date.now() + 3600_000);
 * signer.check(new URL(url), Date.now()); // { type: 'default', ... }, or 'missing' | 'invalid' | 'expired'
 * ```
 */
export class UrlSigner {
  constructor(private readonly secret: string) {}

  /** The download URL of `ref` on `baseUrl`, valid until `expiresAtMs` (rounded up to the second). */
  sign(baseUrl: string, ref: RecordingRef, expiresAtMs: number): string {
    const path = pathOf(ref);
    const expires = Math.ceil(expiresAtMs / 1000);
    return `${baseUrl}${path}?expires=${expires}&signature=${this.signature(path, expires)}`;
  }

  /**
   * What a download request names, when its signature holds and has not expired at `nowMs`;
   * otherwise why not: `missing` (no signature or expiry), `invalid` (a path that names no
   * recording, or a signature that does not match), `expired`.
   */
  check(url: URL, nowMs: number): RecordingRef | 'missing' | 'invalid' | 'expired' {
    const signature = url.searchParams.get('signature');
    const expiresText = url.searchParams.get('expires');
    if (!signature || !expiresText) return 'missing';
    const ref = refOf(url.pathname);
    const expires = Number(expiresText);
    if (!ref || !/^\d{1,12}$/.test(expiresText)) return 'invalid';
    const expected = Buffer.from(this.signature(url.pathname, expires));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'invalid';
    if (expires * 1000 <= nowMs) return 'expired';
    return ref;
  }

  private signature(path: string, expires: number): string {
    return createHmac('sha256', this.secret).update(`recording\n${path}\n${expires}`).digest('base64url');
  }
}

/** `/recordings/<type>/<id>/<filename>`, each part encoded. */
export function pathOf(ref: RecordingRef): string {
  return `${RECORDINGS_PATH}${[ref.type, ref.id, ref.filename].map(encodeURIComponent).join('/')}`;
}

/** The recording a download path names, or undefined for a path of another shape. */
export function refOf(pathname: string): RecordingRef | undefined {
  if (!pathname.startsWith(RECORDINGS_PATH)) return undefined;
  const parts = pathname.slice(RECORDINGS_PATH.length).split('/');
  if (parts.length !== 3) return undefined;
  try {
    const [type, id, filename] = parts.map(decodeURIComponent);
    if (!type || !id || !filename) return undefined;
    return { type, id, filename };
  } catch {
    return undefined; // malformed percent-encoding
  }
}
