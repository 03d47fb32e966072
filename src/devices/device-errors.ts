import { StreamVideoError, type StreamVideoErrorCode } from '../errors/stream-video-error';

/**
 * What each browser error of `getUserMedia` / `getDisplayMedia` becomes: its code and
 * `meta.reason`. `AbortError` is Firefox's "the device could not start" (another app holds it).
 */
const DEVICE_ERRORS: Readonly<Record<string, readonly [StreamVideoErrorCode, string]>> = {
  NotAllowedError: ['permission_denied', 'device_permission'],
  SecurityError: ['permission_denied', 'device_permission'],
  NotFoundError: ['not_found', 'device_not_found'],
  OverconstrainedError: ['not_found', 'device_not_found'],
  NotReadableError: ['failed_precondition', 'device_in_use'],
  AbortError: ['failed_precondition', 'device_in_use'],
};

/**
 * Turns a failure to open a device into a typed error: `NotAllowedError` is `permission_denied`
 * with `meta.reason = 'device_permission'`, `NotFoundError` (and `OverconstrainedError`, a
 * device id that no longer exists) is `not_found` with `device_not_found`, `NotReadableError`
 * is `failed_precondition` with `device_in_use`; `meta.kind` names the device kind. Anything
 * else goes through `StreamVideoError.from`; the browser's error is the `cause`.
 * @param err what `getUserMedia` threw.
 * @param method the SDK member, e.g. `camera.enable`.
 * @param kind `videoinput`, `audioinput`, `audiooutput` or `screen`.
 */
export function toDeviceError(err: unknown, method: string, kind: string): StreamVideoError {
  if (err instanceof StreamVideoError) return err;
  const name = typeof err === 'object' && err !== null ? (err as { name?: unknown }).name : undefined;
  const known = typeof name === 'string' ? DEVICE_ERRORS[name] : undefined;
  if (!known) return StreamVideoError.from(err, method);
  const message = err instanceof Error && err.message ? err.message : String(name);
  return new StreamVideoError(known[0], `${kind}: ${message}`, { method, meta: { reason: known[1], kind }, cause: err });
}
