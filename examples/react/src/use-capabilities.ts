/** The connected user's capabilities in a call, re-rendered when they change. */
import { useEffect, useReducer } from 'react';
import type { Call } from 'stream-video-client';
import { client } from './client';

/**
 * `call.ownCapabilities`, kept fresh: a grant or a revoke arrives as `call.permissions_updated`
 * (the store already shows it when listeners run), which re-renders the component.
 */
export function useCapabilities(call: Call | undefined): readonly string[] {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  useEffect(() => client.on('call.permissions_updated', () => rerender()), []);
  return call?.ownCapabilities ?? [];
}
