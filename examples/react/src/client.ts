/**
 * The one `StreamVideoClient` of the app, and the app's own state: nanostores atoms too, so
 * components read them with the same `useStore` as the SDK's.
 */
import { atom } from 'nanostores';
import { CALL_CONFIG, StreamVideoClient, StreamVideoError } from 'stream-video-client';

/** The API key: `VITE_STREAM_API_KEY` at build time (the example's server sets it), `local-key` otherwise. */
const apiKey = import.meta.env.VITE_STREAM_API_KEY || 'local-key';

/** The app's client, on the coordinator that serves the page (`VITE_STREAM_BASE_URL` to point elsewhere). */
export const client = new StreamVideoClient(apiKey, { baseUrl: import.meta.env.VITE_STREAM_BASE_URL || location.origin }, CALL_CONFIG.ring);

/** The SDK's read-only stores: every component reads its state from here with `useStore`. */
export const store = client.readOnlyStateStore;

/** The call type of the calls the app creates. */
export const CALL_TYPE = 'default';

/** The last failed action, shown until the next action starts. */
export const error$ = atom<string | undefined>(undefined);
/** The `StreamVideoError` code of the last failed action (e.g. `permission_denied`), for the page to branch on. */
export const errorCode$ = atom<string | undefined>(undefined);

/** Runs a user action; a failure goes to `error$` instead of an unhandled rejection. */
export async function run(what: string, action: () => unknown): Promise<void> {
  error$.set(undefined);
  errorCode$.set(undefined);
  try {
    await action();
  } catch (err) {
    error$.set(`${what} failed: ${err instanceof Error ? err.message : String(err)}`);
    errorCode$.set(err instanceof StreamVideoError ? err.code : undefined);
  }
}

/** `type:id` → `{ type, id }`, the two arguments of the client's call methods. */
export function splitCid(cid: string): { type: string; id: string } {
  const at = cid.indexOf(':');
  return { type: cid.slice(0, at), id: cid.slice(at + 1) };
}

/** A fresh call id for each ring. */
export function newCallId(): string {
  return `react-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}

/** The user's token from the example server's `POST /token` (in the body, never in a URL). */
export async function fetchToken(userId: string): Promise<string> {
  const res = await fetch('/token', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ userId }) });
  if (!res.ok) throw new Error(`the token route answered ${res.status}`);
  const { token } = (await res.json()) as { token?: unknown };
  if (typeof token !== 'string') throw new Error('the token route answered without a token');
  return token;
}

// The callee accepted a call this user rang: join it, unless already in a call. A store
// listener, outside React, so that it runs once per change whatever renders.
store.acceptedCall$.listen((accepted) => {
  if (!accepted || store.activeCall$.get()) return;
  const { type, id } = splitCid(accepted.callCid);
  void run('join', () => client.joinCall(id, type));
});
