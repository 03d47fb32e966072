/**
 * A call's identity: its type, its id, and the cid `type:id` made of them. Passed whole, so
 * that nothing splits a cid apart again (an id may hold a `:`).
 */
export interface CallRef {
  /** The call type, e.g. `default`. */
  readonly type: string;
  /** The call's id within its type. */
  readonly id: string;
  /** `type:id`. */
  readonly cid: string;
}

/**
 * The reference of the call `type:id`.
 *
 * ```ts
 * callRef('default', 'standup'); // { type: 'default', id: 'standup', cid: 'default:standup' }
 * ```
 */
export function callRef(type: string, id: string): CallRef {
  return { type, id, cid: `${type}:${id}` };
}
