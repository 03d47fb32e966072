/**
 * Helpers for contract tests of the local coordinator through the generated Twirp client.
 *
 * ```ts
 * const coordinator = await startCoordinator();
 * const alice = await rpcClient(coordinator, 'alice', { json: true });
 * const { response } = await alice.getOrCreateCall(GetOrCreateCallRequest.create({ type: 'default', id: 'c1' }));
 * await expectRpcError(alice.endCall(EndCallRequest.create({ type: 'default', id: 'nope' })), 'not_found');
 * await coordinator.close();
 * ```
 */
import { RpcError } from '@protobuf-ts/runtime-rpc';
import { TwirpFetchTransport } from '@protobuf-ts/twirp-transport';
import * as assert from 'uvu/assert';
import { CoordinatorServiceClient } from '../../gen/stream/video/coordinator/v1/coordinator_service.client';
import type { Event } from '../../gen/stream/video/coordinator/v1/events';
import { LocalCoordinator } from '../../src/testing/local-coordinator';

import { startCoordinator } from './coordinator';

export { startCoordinator };

export interface RpcClientOptions {
  /** Send JSON bodies instead of protobuf (default false). */
  json?: boolean;
  /** The token to send; default: a fresh token for `userId` without expiry. */
  token?: string;
}

/** A generated coordinator client for `userId`, talking Twirp over real HTTP. */
export async function rpcClient(coordinator: LocalCoordinator, userId: string, options: RpcClientOptions = {}): Promise<CoordinatorServiceClient> {
  const token = options.token ?? (await coordinator.createToken(userId));
  const transport = new TwirpFetchTransport({
    baseUrl: coordinator.twirpUrl,
    sendJson: options.json ?? false,
    meta: { authorization: `Bearer ${token}`, 'stream-api-key': coordinator.apiKey },
  });
  return new CoordinatorServiceClient(transport);
}

/**
 * Awaits `call` (a UnaryCall or any promise), asserts that it rejects with an RpcError of
 * Twirp code `code` and returns the error (`.meta` holds the Twirp meta, e.g. `argument`).
 */
export async function expectRpcError(call: PromiseLike<unknown>, code: string): Promise<RpcError> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  if (caught === undefined) assert.unreachable(`expected the RPC to fail with "${code}", but it succeeded`);
  if (!(caught instanceof RpcError)) throw caught;
  assert.is(caught.code, code, `expected Twirp code "${code}", got "${caught.code}": ${caught.message}`);
  return caught;
}

/** The events `userId` got after sequence number `afterSeq` (default: all that are kept). */
export function eventsOf(coordinator: LocalCoordinator, userId: string, afterSeq = 0): Event[] {
  const result = coordinator.events.log(userId).since(afterSeq, Date.now());
  if (result.kind !== 'events') assert.unreachable(`the event log of "${userId}" has a gap after seq ${afterSeq}`);
  return result.kind === 'events' ? result.events : [];
}

/** The current sequence number of `userId`'s events, to pass to {@link eventsOf} later. */
export function seqOf(coordinator: LocalCoordinator, userId: string): number {
  return coordinator.events.log(userId).seq;
}

/** The payload kinds of `events`, e.g. `['callCreated', 'callRing']`. */
export function kindsOf(events: readonly Event[]): string[] {
  return events.map((e) => e.payload.oneofKind ?? '');
}

/** Re-exported for tests written before test/helpers/common.ts held it: import it from there. */
export { uniqueId } from './common';

/** `[false, true]` with a label: run a test once with protobuf bodies and once with JSON. */
export const FORMATS = [
  { json: false, label: 'protobuf' },
  { json: true, label: 'json' },
] as const;
