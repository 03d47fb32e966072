import { Struct } from '../../gen/google/protobuf/struct';
import { StreamVideoError } from '../errors/stream-video-error';
import { badValue, wrongType } from './argument-errors';
import { checkKnownKeys } from './known-keys';
import { User } from '../../gen/stream/video/coordinator/v1/models';

const CALL_ID = /^[A-Za-z0-9_-]{1,64}$/;
const FILTER_OPERATORS = new Set(['$eq', '$ne', '$in', '$nin', '$gt', '$gte', '$lt', '$lte']);

/** The call types the SDK knows by default; `StreamClientOptions.callTypes` replaces the list. */
export const KNOWN_CALL_TYPES: readonly string[] = Object.freeze(['default', 'audio_room', 'livestream', 'development']);

/** A sort key of `queryCalls`: `direction` 1 is ascending, -1 descending. */
export interface SortParamRequest {
  /** The field to sort on: `created_at`, `updated_at` or `member_count`; the server refuses others with `invalid_argument`. */
  field: 'created_at' | 'updated_at' | 'member_count' | (string & {});
  /** 1 for ascending, -1 for descending (default -1). */
  direction?: 1 | -1;
}

/** Checks a call id: 1 to 64 of `A-Z a-z 0-9 _ -`. */
export function checkCallId(method: string, argument: string, value: unknown): string {
  if (typeof value !== 'string') throw wrongType(method, argument, 'string', value);
  if (!CALL_ID.test(value)) throw badValue(method, argument, 'format', 'must be 1-64 characters of A-Za-z0-9_-');
  return value;
}

/** Checks a call type against the known ones; `argument` is the parameter's name (default `callType`). */
export function checkCallType(method: string, value: unknown, known: readonly string[], argument = 'callType'): string {
  if (typeof value !== 'string') throw wrongType(method, argument, 'string', value);
  if (value.length === 0) throw badValue(method, argument, 'empty', 'must not be empty');
  if (!known.includes(value)) throw badValue(method, argument, 'unknown_value', `"${value}" is not one of ${known.join(', ')}`);
  return value;
}

/** Checks a user or session id: a non-empty string of at most 128 characters without spaces. */
export function checkUserId(method: string, argument: string, value: unknown): string {
  if (typeof value !== 'string') throw wrongType(method, argument, 'string', value);

  if (!/^[^\s\u0000-\u001f]{1,128}$/.test(value)) throw badValue(method, argument, 'format', 'must be 1-128 characters without spaces');
  return value;
}

/**
 * Checks the `data` object of a call action: an object (when required) with only `keys`.
 * @returns the object, or an empty one when it is optional and was left out.
 */
export function checkData(method: string, data: unknown, keys: readonly string[]): Record<string, unknown> {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw wrongType(method, 'data', 'object', data);
  checkKnownKeys(method, 'data', data, keys);
  return data as Record<string, unknown>;
}

/** Checks a list of permission names. */
export function checkPermissions(method: string, argument: string, value: unknown, allowEmpty: boolean): string[] {
  if (value === undefined && allowEmpty) return [];
  if (!Array.isArray(value)) throw wrongType(method, argument, 'array', value);
  value.forEach((p: unknown, i) => {
    if (typeof p !== 'string') throw wrongType(method, `${argument}[${i}]`, 'string', p);
    if (p.length === 0) throw badValue(method, `${argument}[${i}]`, 'empty', 'must not be empty');
  });
  if (!allowEmpty && value.length === 0) throw badValue(method, argument, 'empty', 'must not be empty');
  return value as string[];
}

/** Checks a filter's shape and turns it into a `Struct`. */
export function toFilterStruct(method: string, filter: unknown): Struct {
  checkFilter(method, filter, 'filterConditions', 0);
  return toStruct(method, 'filterConditions', filter);
}

/**
 * Turns a plain JSON object into a `Struct`. Anything JSON cannot hold is refused with
 * `invalid_argument` naming `argument`: NaN and infinities, sparse arrays, class instances
 * (Map, Set, Date...), functions, symbols, bigints, undefined values, cycles.
 */
export function toStruct(method: string, argument: string, value: unknown): Struct {
  if (!isPlainObject(value)) throw wrongType(method, argument, 'object', value);
  const bad = nonJson(value, 0);
  if (bad) throw badValue(method, argument, 'not_json', `must hold JSON values only (${bad})`);
  return Struct.fromJson(value as never);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return false;
  const proto: unknown = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** What makes `value` not JSON, or '' when it is JSON. */
function nonJson(value: unknown, depth: number): string {
  if (depth > 32) return 'nested too deeply';
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return '';
  if (typeof value === 'number') return Number.isFinite(value) ? '' : String(value);
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (!(i in value)) return 'a sparse array';
      const bad = nonJson(value[i], depth + 1);
      if (bad) return bad;
    }
    return '';
  }
  if (isPlainObject(value)) {
    for (const key of Object.keys(value)) {
      const bad = nonJson(value[key], depth + 1);
      if (bad) return bad;
    }
    return '';
  }
  return typeof value === 'object' ? `a ${value.constructor?.name ?? 'class'} instance` : `a ${typeof value}`;
}

/** A user profile as `connectUser` and call members take it. */
export interface UserInput {
  /** 1 to 128 characters without spaces. */
  id: string;
  /** The name others see. */
  name?: string;
  /** URL of the user's picture. */
  imageUrl?: string;
  /** Application-wide role, e.g. `user` or `admin`. */
  role?: string;
  /** Custom JSON data of the user. */
  custom?: Record<string, unknown>;
}

/** The keys of a {@link UserInput}. */
const USER_KEYS = ['id', 'name', 'imageUrl', 'role', 'custom'];

/** Checks a user profile and turns it into the schema's `User`. */
export function toUser(method: string, argument: string, value: unknown, id?: string): User {
  if (!isPlainObject(value)) throw wrongType(method, argument, 'object', value);
  checkKnownKeys(method, argument, value, USER_KEYS);
  const userId = checkUserId(method, `${argument}.id`, id ?? value['id']);
  const text = (field: 'name' | 'imageUrl' | 'role'): string => {
    const v = value[field];
    if (v === undefined) return '';
    if (typeof v !== 'string') throw wrongType(method, `${argument}.${field}`, 'string', v);
    if (v.length > 1024) throw badValue(method, `${argument}.${field}`, 'too_long', 'must be at most 1024 characters');
    return v;
  };
  const custom = value['custom'] === undefined ? undefined : toStruct(method, `${argument}.custom`, value['custom']);
  return User.create({ id: userId, name: text('name'), imageUrl: text('imageUrl'), role: text('role'), custom });
}

/** Levels of `$and` / `$or` a filter may have, the filter itself being level 1 (as the server counts). */
const MAX_FILTER_LEVELS = 8;

function checkFilter(method: string, filter: unknown, path: string, depth: number): void {
  if (depth + 1 > MAX_FILTER_LEVELS) throw StreamVideoError.invalidArgument(method, 'filterConditions', 'is nested too deeply');
  if (typeof filter !== 'object' || filter === null || Array.isArray(filter)) {
    throw StreamVideoError.invalidArgument(method, 'filterConditions', `${path} must be an object`);
  }
  for (const [key, value] of Object.entries(filter) as [string, unknown][]) {
    if (key === '$and' || key === '$or') {
      if (!Array.isArray(value) || value.length === 0) throw StreamVideoError.invalidArgument(method, 'filterConditions', `${key} must be a non-empty array`);
      value.forEach((f: unknown, i) => checkFilter(method, f, `${path}.${key}[${i}]`, depth + 1));
    } else if (key.startsWith('$')) {
      throw StreamVideoError.invalidArgument(method, 'filterConditions', `unknown operator "${key}" at ${path}`);
    } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      if (Object.keys(value).length === 0) throw StreamVideoError.invalidArgument(method, 'filterConditions', `"${key}" has no operator`);
      for (const [op, operand] of Object.entries(value)) {
        if (!FILTER_OPERATORS.has(op)) throw StreamVideoError.invalidArgument(method, 'filterConditions', `unknown operator "${op}" on "${key}"`);
        if ((op === '$in' || op === '$nin') && !Array.isArray(operand)) {
          throw StreamVideoError.invalidArgument(method, 'filterConditions', `${op} on "${key}" needs an array`);
        }
      }
    } else if (value === undefined || typeof value === 'function' || typeof value === 'symbol' || typeof value === 'bigint') {
      throw StreamVideoError.invalidArgument(method, 'filterConditions', `"${key}" is not JSON`);
    }
  }
}

/** Checks sort keys and turns them into the schema's form. */
export function toSortParams(method: string, sort: unknown): { field: string; direction: 1 | 2 }[] {
  if (sort === undefined) return [];
  if (!Array.isArray(sort)) throw wrongType(method, 'sort', 'array', sort);
  return sort.map((s: unknown, i) => {
    if (!isPlainObject(s)) throw wrongType(method, `sort[${i}]`, 'object', s);
    const { field, direction } = s;
    if (typeof field !== 'string' || field.length === 0) throw StreamVideoError.invalidArgument(method, 'sort', `[${i}] needs a field name`);
    checkKnownKeys(method, `sort[${i}]`, s, ['field', 'direction']);
    if (direction !== undefined && direction !== 1 && direction !== -1) {
      throw StreamVideoError.invalidArgument(method, 'sort', `[${i}].direction must be 1 or -1`);
    }
    return { field, direction: direction === 1 ? 1 : 2 };
  });
}

/** Checks a page size: an integer from 1 to 100, or undefined for the server's default. */
export function checkLimit(method: string, limit: unknown): number {
  if (limit === undefined) return 0;
  if (typeof limit !== 'number') throw wrongType(method, 'limit', 'integer', limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw badValue(method, 'limit', 'out_of_range', 'must be an integer from 1 to 100');
  return limit;
}
