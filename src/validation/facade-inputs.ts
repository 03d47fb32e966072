import type { Struct } from '../../gen/google/protobuf/struct';
import { StreamVideoError } from '../errors/stream-video-error';
import { checkData, checkLimit, checkPermissions, checkUserId, toFilterStruct, toSortParams } from './arguments';

/*
 * The inputs of the facade's methods that take more than ids: each checked in full, and
 * turned into the request it becomes. The checks of single values are in ./arguments.ts.
 */
/** Checks the arguments of `queryCalls` and turns them into its request. */
export function toQueryCallsInput(
  method: string,
  filterConditions: unknown,
  sort: unknown,
  limit: unknown,
  next: unknown,
): { filterConditions: Struct; sort: { field: string; direction: 1 | 2 }[]; limit: number; next: string } {
  if (next !== undefined && typeof next !== 'string') throw StreamVideoError.invalidArgument(method, 'next', 'must be a cursor string');
  return { filterConditions: toFilterStruct(method, filterConditions), sort: toSortParams(method, sort), limit: checkLimit(method, limit), next: next ?? '' };
}

/** Checks the `data` of `requestCallPermissions`: `{ permissions }`, at least one. */
export function checkPermissionRequest(method: string, data: unknown): { permissions: string[] } {
  return { permissions: checkPermissions(method, 'data.permissions', checkData(method, data, ['permissions'])['permissions'], false) };
}

/** Checks the `data` of `updateUserPermissions`: `{ userId, grantPermissions?, revokePermissions? }`, granting or revoking at least one. */
export function checkPermissionUpdate(method: string, data: unknown): { userId: string; grantPermissions: string[]; revokePermissions: string[] } {
  const checked = checkData(method, data, ['userId', 'grantPermissions', 'revokePermissions']);
  const userId = checkUserId(method, 'data.userId', checked['userId']);
  const grantPermissions = checkPermissions(method, 'data.grantPermissions', checked['grantPermissions'], true);
  const revokePermissions = checkPermissions(method, 'data.revokePermissions', checked['revokePermissions'], true);
  if (grantPermissions.length + revokePermissions.length === 0) throw StreamVideoError.invalidArgument(method, 'data', 'must grant or revoke a permission');
  return { userId, grantPermissions, revokePermissions };
}

/** Checks the arguments of `on`: an event name (or `'*'`) and a function. */
export function checkListener(method: string, eventName: unknown, callback: unknown): void {
  if (typeof eventName !== 'string' || eventName.length === 0) throw StreamVideoError.invalidArgument(method, 'eventName', 'must be an event name or "*"');
  if (typeof callback !== 'function') throw StreamVideoError.invalidArgument(method, 'callback', 'must be a function');
}
