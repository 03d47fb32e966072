import * as assert from 'uvu/assert';
import { compileFilter, MAX_FILTER_DEPTH, parseRfc3339, type FieldSpec, type JsonObject } from '../../../src/testing/query/filter';
import { TwirpError } from '../../../src/testing/twirp/twirp-error';
import { fileSuite } from '../../helpers/common';

const test = fileSuite(import.meta.url);

interface Call {
  id: string;
  type: string;
  count: number;
  live: boolean;
  createdAt: number;
  endedAt: number; // NaN when unset
  members: string[];
}

const T0 = Date.parse('2024-01-01T00:00:00Z');
const HOUR = 3_600_000;

const CALLS: Call[] = [
  { id: 'a', type: 'default', count: 1, live: true, createdAt: T0, endedAt: NaN, members: ['alice', 'bob'] },
  { id: 'b', type: 'default', count: 5, live: false, createdAt: T0 + HOUR, endedAt: T0 + 2 * HOUR, members: ['bob'] },
  { id: 'c', type: 'livestream', count: 10, live: true, createdAt: T0 + 2 * HOUR, endedAt: NaN, members: [] },
  { id: 'd', type: 'audio_room', count: 5, live: false, createdAt: T0 + 3 * HOUR, endedAt: T0 + 4 * HOUR, members: ['carol', 'dave'] },
];

const FIELDS: Record<string, FieldSpec<Call>> = {
  id: { kind: 'string', get: (c) => c.id },
  type: { kind: 'string', get: (c) => c.type },
  count: { kind: 'number', get: (c) => c.count },
  live: { kind: 'boolean', get: (c) => c.live },
  created_at: { kind: 'time', get: (c) => c.createdAt },
  ended_at: { kind: 'time', get: (c) => c.endedAt },
  members: { kind: 'string[]', get: (c) => c.members },
};

/** Ids of the calls `filter` matches. */
function ids(filter: JsonObject | undefined): string {
  const match = compileFilter(filter, FIELDS);
  return CALLS.filter(match)
    .map((c) => c.id)
    .join('');
}

/** Asserts that compiling `filter` throws invalid_argument for filter_conditions, with `fragment` in the message. */
function rejects(filter: unknown, fragment: string): void {
  let caught: unknown;
  try {
    compileFilter(filter as JsonObject, FIELDS);
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof TwirpError, `expected a TwirpError for ${JSON.stringify(filter)}`);
  const err = caught;
  assert.is(err.code, 'invalid_argument');
  assert.equal(err.meta, { argument: 'filter_conditions' });
  assert.ok(err.msg.startsWith('filter_conditions: '), err.msg);
  assert.ok(err.msg.includes(fragment), `message ${JSON.stringify(err.msg)} should include ${JSON.stringify(fragment)}`);
}

// ---------------------------------------------------------------- empty filters

test('undefined and empty filters match everything', () => {
  assert.is(ids(undefined), 'abcd');
  assert.is(ids({}), 'abcd');
});

// ---------------------------------------------------------------- string

test('string: shorthand equality and $eq', () => {
  assert.is(ids({ type: 'default' }), 'ab');
  assert.is(ids({ type: { $eq: 'livestream' } }), 'c');
  assert.is(ids({ type: 'nope' }), '');
});

test('string: $ne, $in, $nin', () => {
  assert.is(ids({ type: { $ne: 'default' } }), 'cd');
  assert.is(ids({ type: { $in: ['livestream', 'audio_room'] } }), 'cd');
  assert.is(ids({ type: { $in: [] } }), '');
  assert.is(ids({ type: { $nin: ['default', 'livestream'] } }), 'd');
  assert.is(ids({ type: { $nin: [] } }), 'abcd');
});

test('string: $gt, $gte, $lt, $lte compare by code units', () => {
  assert.is(ids({ id: { $gt: 'b' } }), 'cd');
  assert.is(ids({ id: { $gte: 'b' } }), 'bcd');
  assert.is(ids({ id: { $lt: 'c' } }), 'ab');
  assert.is(ids({ id: { $lte: 'c' } }), 'abc');
  assert.is(ids({ type: { $lt: 'default' } }), 'd'); // "audio_room" < "default"
  assert.is(ids({ id: { $gt: 'B' } }), 'abcd'); // uppercase sorts before lowercase
});

// ---------------------------------------------------------------- number

test('number: every operator', () => {
  assert.is(ids({ count: 5 }), 'bd');
  assert.is(ids({ count: { $eq: 10 } }), 'c');
  assert.is(ids({ count: { $ne: 5 } }), 'ac');
  assert.is(ids({ count: { $in: [1, 10] } }), 'ac');
  assert.is(ids({ count: { $nin: [1, 10] } }), 'bd');
  assert.is(ids({ count: { $gt: 5 } }), 'c');
  assert.is(ids({ count: { $gte: 5 } }), 'bcd');
  assert.is(ids({ count: { $lt: 5 } }), 'a');
  assert.is(ids({ count: { $lte: 5 } }), 'abd');
  assert.is(ids({ count: { $gt: 1.5 } }), 'bcd');
});

test('number: several operators in one object are ANDed', () => {
  assert.is(ids({ count: { $gt: 1, $lt: 10 } }), 'bd');
  assert.is(ids({ count: { $gte: 1, $lte: 10, $ne: 5 } }), 'ac');
  assert.is(ids({ count: { $gt: 5, $lt: 5 } }), '');
});

// ---------------------------------------------------------------- boolean

test('boolean: $eq, $ne, $in, $nin and shorthand', () => {
  assert.is(ids({ live: true }), 'ac');
  assert.is(ids({ live: false }), 'bd');
  assert.is(ids({ live: { $eq: false } }), 'bd');
  assert.is(ids({ live: { $ne: true } }), 'bd');
  assert.is(ids({ live: { $in: [true] } }), 'ac');
  assert.is(ids({ live: { $in: [true, false] } }), 'abcd');
  assert.is(ids({ live: { $nin: [true] } }), 'bd');
});

test('boolean: ordering operators are rejected', () => {
  for (const op of ['$gt', '$gte', '$lt', '$lte']) {
    rejects({ live: { [op]: true } }, `operator ${op} is not allowed on boolean field "live"`);
  }
});

// ---------------------------------------------------------------- time

test('time: RFC 3339 operands', () => {
  assert.is(ids({ created_at: '2024-01-01T01:00:00Z' }), 'b');
  assert.is(ids({ created_at: { $eq: '2024-01-01T02:00:00.000Z' } }), 'c');
  assert.is(ids({ created_at: { $ne: '2024-01-01T01:00:00Z' } }), 'acd');
  assert.is(ids({ created_at: { $gt: '2024-01-01T01:00:00Z' } }), 'cd');
  assert.is(ids({ created_at: { $gte: '2024-01-01T01:00:00Z' } }), 'bcd');
  assert.is(ids({ created_at: { $lt: '2024-01-01T01:00:00Z' } }), 'a');
  assert.is(ids({ created_at: { $lte: '2024-01-01T01:00:00Z' } }), 'ab');
  assert.is(ids({ created_at: { $in: ['2024-01-01T00:00:00Z', '2024-01-01T03:00:00Z'] } }), 'ad');
  assert.is(ids({ created_at: { $nin: ['2024-01-01T00:00:00Z', '2024-01-01T03:00:00Z'] } }), 'bc');
});

test('time: offsets, fractions and lowercase separators', () => {
  // 2024-01-01T02:30:00+01:30 is 01:00Z.
  assert.is(ids({ created_at: '2024-01-01T02:30:00+01:30' }), 'b');
  assert.is(ids({ created_at: '2023-12-31T23:00:00-02:00' }), 'b');
  assert.is(ids({ created_at: '2024-01-01t01:00:00z' }), 'b');
  assert.is(ids({ created_at: { $gt: '2024-01-01T00:59:59.999Z' } }), 'bcd');
  assert.is(ids({ created_at: { $gt: '2024-01-01T01:00:00.001Z' } }), 'cd');
});

test('time: epoch millisecond operands', () => {
  assert.is(ids({ created_at: T0 + HOUR }), 'b');
  assert.is(ids({ created_at: { $eq: T0 } }), 'a');
  assert.is(ids({ created_at: { $ne: T0 } }), 'bcd');
  assert.is(ids({ created_at: { $gt: T0 + HOUR } }), 'cd');
  assert.is(ids({ created_at: { $gte: T0 + HOUR } }), 'bcd');
  assert.is(ids({ created_at: { $lt: T0 + HOUR } }), 'a');
  assert.is(ids({ created_at: { $lte: T0 + HOUR } }), 'ab');
  assert.is(ids({ created_at: { $in: [T0, T0 + 2 * HOUR] } }), 'ac');
  assert.is(ids({ created_at: { $nin: [T0, T0 + 2 * HOUR] } }), 'bd');
  // Strings and numbers mix in one $in.
  assert.is(ids({ created_at: { $in: [T0, '2024-01-01T03:00:00Z'] } }), 'ad');
});

test('time: an unset (NaN) time only matches $ne and $nin', () => {
  const t = '2024-01-01T02:00:00Z';
  assert.is(ids({ ended_at: t }), 'b');
  assert.is(ids({ ended_at: { $ne: t } }), 'acd');
  assert.is(ids({ ended_at: { $gt: 0 } }), 'bd');
  assert.is(ids({ ended_at: { $gte: 0 } }), 'bd');
  assert.is(ids({ ended_at: { $lt: T0 + 100 * HOUR } }), 'bd');
  assert.is(ids({ ended_at: { $lte: T0 + 100 * HOUR } }), 'bd');
  assert.is(ids({ ended_at: { $in: [t, T0 + 4 * HOUR] } }), 'bd');
  assert.is(ids({ ended_at: { $nin: [t] } }), 'acd');
  assert.is(ids({ ended_at: { $nin: [] } }), 'abcd');
});

test('parseRfc3339 accepts RFC 3339 only', () => {
  assert.is(parseRfc3339('2024-01-01T00:00:00Z'), T0);
  assert.is(parseRfc3339('2024-01-01 00:00:00Z'), T0);
  assert.is(parseRfc3339('2024-02-29T00:00:00Z'), Date.UTC(2024, 1, 29));
  assert.ok(Number.isNaN(parseRfc3339('2024')));
  assert.ok(Number.isNaN(parseRfc3339('2024-01-01')));
  assert.ok(Number.isNaN(parseRfc3339('2024-01-01T00:00:00'))); // no offset
  assert.ok(Number.isNaN(parseRfc3339('2023-02-29T00:00:00Z'))); // not a leap year
  assert.ok(Number.isNaN(parseRfc3339('2024-13-01T00:00:00Z')));
  assert.ok(Number.isNaN(parseRfc3339('2024-01-01T25:00:00Z')));
  assert.ok(Number.isNaN(parseRfc3339('January 1, 2024')));
});

// ---------------------------------------------------------------- string[]

test('string[]: $eq / shorthand mean "contains"', () => {
  assert.is(ids({ members: 'bob' }), 'ab');
  assert.is(ids({ members: { $eq: 'carol' } }), 'd');
  assert.is(ids({ members: 'zoe' }), '');
});

test('string[]: $ne means "does not contain"', () => {
  assert.is(ids({ members: { $ne: 'bob' } }), 'cd');
});

test('string[]: $in means "contains at least one", $nin "contains none"', () => {
  assert.is(ids({ members: { $in: ['alice', 'dave'] } }), 'ad');
  assert.is(ids({ members: { $in: ['zoe'] } }), '');
  assert.is(ids({ members: { $in: [] } }), '');
  assert.is(ids({ members: { $nin: ['alice', 'dave'] } }), 'bc');
  assert.is(ids({ members: { $nin: [] } }), 'abcd');
});

test('string[]: combining operators on one field', () => {
  assert.is(ids({ members: { $eq: 'bob', $ne: 'alice' } }), 'b');
  assert.is(ids({ members: { $in: ['bob', 'carol'], $nin: ['dave'] } }), 'ab');
});

test('string[]: ordering operators are rejected', () => {
  for (const op of ['$gt', '$gte', '$lt', '$lte']) {
    rejects({ members: { [op]: 'bob' } }, `operator ${op} is not allowed on string[] field "members"`);
  }
});

// ---------------------------------------------------------------- $and / $or

test('top-level keys are ANDed', () => {
  assert.is(ids({ type: 'default', live: true }), 'a');
  assert.is(ids({ type: 'default', count: { $gt: 1 }, members: 'bob' }), 'b');
});

test('$and', () => {
  assert.is(ids({ $and: [{ type: 'default' }, { live: false }] }), 'b');
  assert.is(ids({ $and: [{ count: 5 }] }), 'bd');
  assert.is(ids({ $and: [{}] }), 'abcd');
});

test('$or', () => {
  assert.is(ids({ $or: [{ type: 'livestream' }, { members: 'carol' }] }), 'cd');
  assert.is(ids({ $or: [{ count: 1 }] }), 'a');
  assert.is(ids({ $or: [{ type: 'x' }, { type: 'y' }] }), '');
});

test('$and / $or nest and combine with sibling fields', () => {
  assert.is(
    ids({
      $or: [{ $and: [{ type: 'default' }, { live: true }] }, { $and: [{ count: 5 }, { members: 'dave' }] }],
    }),
    'ad',
  );
  assert.is(ids({ live: false, $or: [{ type: 'default' }, { type: 'livestream' }] }), 'b');
  assert.is(ids({ $and: [{ $or: [{ id: 'a' }, { id: 'b' }] }, { $or: [{ id: 'b' }, { id: 'c' }] }] }), 'b');
  assert.is(ids({ $or: [{ id: 'a' }], $and: [{ id: 'b' }] }), '');
});

test(`nesting up to ${MAX_FILTER_DEPTH} levels is accepted, deeper is rejected`, () => {
  const nest = (levels: number): JsonObject => {
    let f: JsonObject = { id: 'c' };
    for (let i = 1; i < levels; i++) f = i % 2 ? { $and: [f] } : { $or: [f] };
    return f;
  };
  assert.is(MAX_FILTER_DEPTH, 8);
  assert.is(ids(nest(8)), 'c');
  rejects(nest(9), 'nested deeper than 8 levels');
});

// ---------------------------------------------------------------- invalid input

test('unknown field', () => {
  rejects({ colour: 'red' }, 'unknown field "colour"');
  rejects({ $or: [{ colour: 'red' }] }, 'unknown field "colour"');
  // Inherited object properties are not fields.
  rejects({ constructor: 'x' }, 'unknown field "constructor"');
  rejects({ toString: 'x' }, 'unknown field "toString"');
});

test('unknown operator', () => {
  rejects({ type: { $regex: 'def' } }, 'unknown operator "$regex" on field "type"');
  rejects({ type: { eq: 'default' } }, 'unknown operator "eq" on field "type"');
  rejects({ $nor: [{ type: 'default' }] }, 'unknown operator "$nor"');
  rejects({ count: { $gt: 1, $exists: true } }, 'unknown operator "$exists" on field "count"');
});

test('wrong operand types', () => {
  rejects({ type: 5 }, 'field "type" expects a string for $eq, got number 5');
  rejects({ type: null }, 'field "type" expects a string for $eq, got null');
  rejects({ type: ['default'] }, 'field "type" expects a string for $eq, got an array');
  rejects({ type: { $gt: true } }, 'field "type" expects a string for $gt, got boolean true');
  rejects({ type: { $in: ['default', 1] } }, 'field "type" expects a string for $in, got number 1');
  rejects({ count: '5' }, 'field "count" expects a finite number for $eq, got string "5"');
  rejects({ count: { $lt: null } }, 'field "count" expects a finite number for $lt');
  rejects({ count: { $nin: [1, '2'] } }, 'field "count" expects a finite number for $nin');
  rejects({ count: { $gt: Infinity } }, 'got Infinity');
  rejects({ count: { $gt: NaN } }, 'got NaN');
  rejects({ live: 'true' }, 'field "live" expects a boolean for $eq');
  rejects({ live: { $in: [1] } }, 'field "live" expects a boolean for $in');
  rejects({ created_at: true }, 'field "created_at" expects an RFC 3339 timestamp or epoch milliseconds for $eq');
  rejects({ created_at: { $gt: 'yesterday' } }, 'field "created_at" expects an RFC 3339 timestamp');
  rejects({ created_at: { $gt: '2024-01-01' } }, 'field "created_at" expects an RFC 3339 timestamp');
  rejects({ created_at: { $in: [T0, 'soon'] } }, 'for $in, got string "soon"');
  rejects({ members: 5 }, 'field "members" expects a string for $eq');
  rejects({ members: ['bob'] }, 'field "members" expects a string for $eq, got an array');
  rejects({ members: { $in: ['bob', null] } }, 'field "members" expects a string for $in, got null');
});

test('$in / $nin need an array', () => {
  rejects({ type: { $in: 'default' } }, 'field "type" expects an array for $in');
  rejects({ count: { $nin: 5 } }, 'field "count" expects an array for $nin');
  rejects({ members: { $in: { bob: true } } }, 'field "members" expects an array for $in, got an object');
});

test('an empty operator object is rejected', () => {
  rejects({ type: {} }, 'field "type" has an empty operator object');
});

test('$and / $or must be non-empty arrays of objects', () => {
  rejects({ $and: [] }, '$and must be a non-empty array');
  rejects({ $or: [] }, '$or must be a non-empty array');
  rejects({ $and: { type: 'default' } }, '$and must be a non-empty array');
  rejects({ $or: 'x' }, '$or must be a non-empty array');
  rejects({ $or: [{ type: 'default' }, 'x'] }, '$or must be a non-empty array of filter objects');
  rejects({ $and: [null] }, '$and must be a non-empty array of filter objects');
  rejects({ $and: [[{ type: 'default' }]] }, '$and must be a non-empty array of filter objects');
});

test('a filter that is not an object is rejected', () => {
  rejects(null, 'a filter must be an object, got null');
  rejects([], 'a filter must be an object, got an array');
  rejects('type', 'a filter must be an object');
  rejects(5, 'a filter must be an object');
});

test('errors are thrown at compile time, not per item', () => {
  const never: FieldSpec<Call> = {
    kind: 'string',
    get: () => {
      throw new Error('must not be read');
    },
  };
  let err: unknown;
  try {
    compileFilter({ x: 1 }, { x: never });
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof TwirpError);
  // Compiling a valid filter reads no field either.
  compileFilter({ x: 'a', $or: [{ x: { $in: ['b'] } }] }, { x: never });
});

test('a compiled predicate is reusable over many items', () => {
  const items = Array.from({ length: 50_000 }, (_, i) => ({
    id: `c${i}`,
    type: i % 3 ? 'default' : 'livestream',
    count: i % 100,
    live: i % 2 === 0,
    createdAt: T0 + i,
    endedAt: i % 5 ? NaN : T0 + i + 1,
    members: [`u${i % 7}`, `u${i % 11}`],
  }));
  const match = compileFilter({ type: 'default', count: { $gte: 10, $lt: 20 }, $or: [{ members: { $in: ['u1', 'u2'] } }, { live: true }] }, FIELDS);
  const n = items.filter(match).length;
  const expected = items.filter(
    (c) => c.type === 'default' && c.count >= 10 && c.count < 20 && (c.members.includes('u1') || c.members.includes('u2') || c.live),
  ).length;
  assert.is(n, expected);
  assert.ok(n > 0);
});

test.run();
