/**
 * Keyset (cursor) pagination over an in-memory array, for the local coordinator's
 * QueryCalls / QueryMembers RPCs.
 *
 * ```ts
 * const keys = { sortable: { created_at: (c: Call) => c.createdAt }, stableKey: (c: Call) => c.cid };
 * const first = paginate(calls, { sort: [{ field: 'created_at', direction: 'desc' }], limit: 10 }, keys);
 * const second = paginate(calls, { sort: [{ field: 'created_at', direction: 'desc' }], limit: 10, next: first.next }, keys);
 * ```
 *
 * Order: items are sorted by the `sort` fields in turn, then by `stableKey` ascending
 * (UTF-16 code units), so the order is total as long as stable keys are unique. NaN sorts
 * before every number (after every number in `desc`). An empty `sort` means
 * `[{ field: <first key of sortable>, direction: 'desc' }]` (just `stableKey` when
 * `sortable` is empty).
 *
 * Cursors are opaque: base64url of JSON
 * `{ "d": "next" | "prev", "k": [sort values...], "s": stableKey, "h": signature, "i"?: 1 }`,
 * where non-finite sort values are written as the strings `"NaN"`, `"Infinity"`, `"-Infinity"`
 * and `h` is an FNV-1a hash of the (defaulted) sort spec. A `next` cursor selects the items
 * strictly after the key, a `prev` cursor the items strictly before it (`i: 1` makes the
 * bound inclusive; only a cursor handed out with an empty page has it). Cursors are not
 * authenticated: the signature only catches mix-ups, not forgery.
 *
 * Because cursors hold keys rather than offsets, inserting or removing items between
 * two calls never makes an item that was present throughout be skipped or repeated.
 */
import { TwirpError } from '../twirp/twirp-error';

export type SortDirection = 'asc' | 'desc';

export interface SortSpec {
  field: string;
  direction: SortDirection;
}

export interface PageRequest {
  sort: readonly SortSpec[];
  /** Page size: undefined or 0 means {@link DEFAULT_LIMIT}; at most {@link MAX_LIMIT}. */
  limit?: number;
  /** A `next` cursor of an earlier page; `''` means unset. */
  next?: string;
  /** A `prev` cursor of an earlier page; `''` means unset. */
  prev?: string;
}

export interface Page<T> {
  items: T[];
  /** Cursor for the items after this page, or `''` when there are none. */
  next: string;
  /** Cursor for the items before this page, or `''` when there are none. */
  prev: string;
}

export interface PagingKeys<T> {
  /** The fields one may sort by, each read as a number (NaN allowed). */
  sortable: Record<string, (item: T) => number>;
  /** A unique key per item; breaks ties so the order is total. */
  stableKey: (item: T) => string;
}

export const DEFAULT_LIMIT = 25;
export const MAX_LIMIT = 100;

/** Longest cursor accepted, a guard against absurd input. */
const MAX_CURSOR_LENGTH = 16_384;

type CursorDirection = 'next' | 'prev';

/** A position in the sort order: the sort values and stable key of an item. */
interface Key {
  values: number[];
  stable: string;
}

interface Cursor {
  direction: CursorDirection;
  key: Key;
  inclusive: boolean;
}

interface Entry<T> extends Key {
  item: T;
}

interface CompiledSort {
  getters: ((item: unknown) => number)[];
  /** +1 for asc, -1 for desc, per sort field. */
  signs: number[];
  signature: string;
}

function invalid(argument: string, why: string): TwirpError {
  return new TwirpError('invalid_argument', `${argument}: ${why}`, { argument });
}

/** FNV-1a (32 bit) of a string, as 8 hex digits. */
function fnv1a(text: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}

function compileSort<T>(sort: readonly SortSpec[], keys: PagingKeys<T>): CompiledSort {
  if (!Array.isArray(sort)) throw invalid('sort', 'must be an array');
  let specs: readonly SortSpec[] = sort;
  if (specs.length === 0) {
    const first = Object.keys(keys.sortable)[0];
    specs = first === undefined ? [] : [{ field: first, direction: 'desc' }];
  }
  const getters: ((item: unknown) => number)[] = [];
  const signs: number[] = [];
  for (const spec of specs) {
    const field = spec?.field;
    if (typeof field !== 'string' || !Object.prototype.hasOwnProperty.call(keys.sortable, field)) {
      throw invalid('sort', `unknown sort field ${JSON.stringify(field)}`);
    }
    if (spec.direction !== 'asc' && spec.direction !== 'desc') {
      throw invalid('sort', `direction of "${field}" must be "asc" or "desc", got ${JSON.stringify(spec.direction)}`);
    }
    getters.push(keys.sortable[field] as (item: unknown) => number);
    signs.push(spec.direction === 'asc' ? 1 : -1);
  }
  const signature = fnv1a(JSON.stringify(specs.map((s) => [s.field, s.direction])));
  return { getters, signs, signature };
}

/** Numbers in ascending order, NaN first. */
function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === b) return 0; // also 0 vs -0
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  return aNaN === bNaN ? 0 : aNaN ? -1 : 1;
}

function compareKeys(a: Key, b: Key, signs: readonly number[]): number {
  for (let i = 0; i < signs.length; i++) {
    const c = compareNumbers(a.values[i], b.values[i]);
    if (c !== 0) return c * signs[i];
  }
  return a.stable < b.stable ? -1 : a.stable > b.stable ? 1 : 0;
}

function validateLimit(limit: unknown): number {
  if (limit === undefined || limit === 0) return DEFAULT_LIMIT;
  if (typeof limit !== 'number' || !Number.isInteger(limit)) {
    throw invalid('limit', `must be an integer, got ${typeof limit === 'number' ? limit : typeof limit}`);
  }
  if (limit < 0) throw invalid('limit', `must not be negative, got ${limit}`);
  if (limit > MAX_LIMIT) throw invalid('limit', `must be at most ${MAX_LIMIT}, got ${limit}`);
  return limit;
}

function encodeNumber(n: number): number | string {
  return Number.isFinite(n) ? n : String(n); // 'NaN', 'Infinity', '-Infinity'
}

function decodeNumber(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity') return Infinity;
  if (v === '-Infinity') return -Infinity;
  return undefined;
}

function encodeCursor(cursor: Cursor, sort: CompiledSort): string {
  const payload: Record<string, unknown> = {
    d: cursor.direction,
    k: cursor.key.values.map(encodeNumber),
    s: cursor.key.stable,
    h: sort.signature,
  };
  if (cursor.inclusive) payload.i = 1;
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

function decodeCursor(text: string, direction: CursorDirection, sort: CompiledSort): Cursor {
  const bad = (why: string) => invalid(direction, why);
  if (text.length > MAX_CURSOR_LENGTH || !/^[A-Za-z0-9_-]+$/.test(text)) throw bad('is not a valid cursor');
  const bytes = Buffer.from(text, 'base64url');
  if (bytes.toString('base64url') !== text) throw bad('is not a valid cursor');
  let payload: unknown;
  try {
    payload = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    throw bad('is not a valid cursor');
  }
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) throw bad('is not a valid cursor');
  const { d, k, s, h, i } = payload as Record<string, unknown>;
  if (typeof h !== 'string' || typeof s !== 'string' || !Array.isArray(k) || (i !== undefined && i !== 1)) {
    throw bad('is not a valid cursor');
  }
  if (d !== direction) throw bad(`is a ${String(d)} cursor, not a ${direction} cursor`);
  if (h !== sort.signature || k.length !== sort.signs.length) throw bad('was made for a different sort');
  const values: number[] = [];
  for (const v of k) {
    const n = decodeNumber(v);
    if (n === undefined) throw bad('is not a valid cursor');
    values.push(n);
  }
  return { direction, key: { values, stable: s }, inclusive: i === 1 };
}

/** The first index in `sorted` whose entry is not before `key` (with `orEqual`: is after it). */
function lowerBound<T>(sorted: readonly Entry<T>[], key: Key, signs: readonly number[], orEqual: boolean): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = compareKeys(sorted[mid], key, signs);
    if (c < 0 || (orEqual && c === 0)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One page of `items` in the order of `request.sort`, starting after `request.next` or
 * ending before `request.prev` (the first page when neither is set).
 *
 * Throws {@link TwirpError} `invalid_argument` for an unknown sort field or direction
 * (argument `sort`), a bad limit (`limit`), both cursors set, or a cursor that does not
 * decode or was made for another sort (`next` / `prev`).
 */
export function paginate<T>(items: readonly T[], request: PageRequest, keys: PagingKeys<T>): Page<T> {
  const sort = compileSort(request.sort, keys);
  const limit = validateLimit(request.limit);
  const nextText = request.next ?? '';
  const prevText = request.prev ?? '';
  if (typeof nextText !== 'string') throw invalid('next', 'must be a string');
  if (typeof prevText !== 'string') throw invalid('prev', 'must be a string');
  if (nextText !== '' && prevText !== '') throw invalid('next', 'cannot be set together with prev');
  const cursor = nextText !== '' ? decodeCursor(nextText, 'next', sort) : prevText !== '' ? decodeCursor(prevText, 'prev', sort) : undefined;

  const { getters, signs } = sort;
  const sorted: Entry<T>[] = items.map((item) => ({
    item,
    values: getters.map((g) => g(item)),
    stable: keys.stableKey(item),
  }));
  sorted.sort((a, b) => compareKeys(a, b, signs));

  // The page is sorted[start, end).
  let start: number;
  let end: number;
  if (cursor === undefined) {
    start = 0;
    end = Math.min(limit, sorted.length);
  } else if (cursor.direction === 'next') {
    // Entries after the key (or at it, when inclusive).
    start = lowerBound(sorted, cursor.key, signs, !cursor.inclusive);
    end = Math.min(start + limit, sorted.length);
  } else {
    // Entries before the key (or at it, when inclusive).
    end = lowerBound(sorted, cursor.key, signs, cursor.inclusive);
    start = Math.max(0, end - limit);
  }

  const page = sorted.slice(start, end);
  const keyOf = (e: Entry<T>): Key => ({ values: e.values, stable: e.stable });
  let next = '';
  let prev = '';
  if (page.length > 0) {
    if (end < sorted.length) next = encodeCursor({ direction: 'next', key: keyOf(page[page.length - 1]), inclusive: false }, sort);
    if (start > 0) prev = encodeCursor({ direction: 'prev', key: keyOf(page[0]), inclusive: false }, sort);
  } else if (cursor !== undefined) {
    // An empty page sits at the cursor's bound: the other side of that bound starts just
    // where this cursor's range ended, so flip both direction and inclusiveness.
    const flipped: Cursor = { direction: cursor.direction === 'next' ? 'prev' : 'next', key: cursor.key, inclusive: !cursor.inclusive };
    if (cursor.direction === 'next' && start > 0) prev = encodeCursor(flipped, sort);
    if (cursor.direction === 'prev' && end < sorted.length) next = encodeCursor(flipped, sort);
  }
  return { items: page.map((e) => e.item), next, prev };
}
