import * as assert from 'uvu/assert';
import fc from 'fast-check';
import { DEFAULT_LIMIT, MAX_LIMIT, paginate, type Page, type PageRequest, type PagingKeys, type SortSpec } from '../../../src/testing/query/paging';
import { TwirpError } from '../../../src/testing/twirp/twirp-error';
import { fileSuite } from '../../helpers/common';

const test = fileSuite(import.meta.url);

interface Item {
  id: string;
  a: number;
  b: number;
  t: number;
}

const KEYS: PagingKeys<Item> = {
  sortable: { a: (i) => i.a, b: (i) => i.b, t: (i) => i.t },
  stableKey: (i) => i.id,
};

const item = (id: string, a = 0, b = 0, t = 0): Item => ({ id, a, b, t });
const ids = (page: Page<Item>): string => page.items.map((i) => i.id).join(',');

/** Items i00..i(n-1) with a = index. */
function numbered(n: number): Item[] {
  return Array.from({ length: n }, (_, i) => item(`i${String(i).padStart(2, '0')}`, i));
}

function rejects(run: () => unknown, argument: string, fragment: string): void {
  let caught: unknown;
  try {
    run();
  } catch (err) {
    caught = err;
  }
  assert.ok(caught instanceof TwirpError, `expected a TwirpError (${fragment})`);
  const err = caught;
  assert.is(err.code, 'invalid_argument');
  assert.is(err.meta.argument, argument);
  assert.ok(err.msg.includes(fragment), `message ${JSON.stringify(err.msg)} should include ${JSON.stringify(fragment)}`);
}

const ASC_A: SortSpec[] = [{ field: 'a', direction: 'asc' }];

/** Every page from the first, following `next`; fails instead of looping when paging does not end. */
function walkNext(items: readonly Item[], sort: readonly SortSpec[], limit: number): Page<Item>[] {
  const pages = [paginate(items, { sort, limit }, KEYS)];
  for (let last = pages[0]; last.next; last = pages[pages.length - 1]!) {
    assert.ok(pages.length <= items.length + 1, 'paging does not end');
    pages.push(paginate(items, { sort, limit, next: last.next }, KEYS));
  }
  return pages;
}

// ---------------------------------------------------------------- limits

test('limit: undefined and 0 mean DEFAULT_LIMIT', () => {
  assert.is(DEFAULT_LIMIT, 25);
  assert.is(MAX_LIMIT, 100);
  const items = numbered(60);
  assert.is(paginate(items, { sort: ASC_A }, KEYS).items.length, 25);
  assert.is(paginate(items, { sort: ASC_A, limit: 0 }, KEYS).items.length, 25);
});

test('limit: MAX_LIMIT is accepted, more is rejected', () => {
  const items = numbered(150);
  const page = paginate(items, { sort: ASC_A, limit: 100 }, KEYS);
  assert.is(page.items.length, 100);
  assert.is(page.items[99].id, 'i99');
  rejects(() => paginate(items, { sort: ASC_A, limit: 101 }, KEYS), 'limit', 'must be at most 100');
});

test('limit: negative and non-integer limits are rejected', () => {
  rejects(() => paginate([], { sort: ASC_A, limit: -1 }, KEYS), 'limit', 'must not be negative');
  rejects(() => paginate([], { sort: ASC_A, limit: 1.5 }, KEYS), 'limit', 'must be an integer');
  rejects(() => paginate([], { sort: ASC_A, limit: NaN }, KEYS), 'limit', 'must be an integer');
  rejects(() => paginate([], { sort: ASC_A, limit: Infinity }, KEYS), 'limit', 'must be an integer');
});

// ---------------------------------------------------------------- order

test('empty input gives an empty page without cursors', () => {
  assert.equal(paginate([], { sort: [] }, KEYS), { items: [], next: '', prev: '' });
});

test('sort ascending and descending', () => {
  const items = [item('x', 2), item('y', 3), item('z', 1)];
  assert.is(ids(paginate(items, { sort: [{ field: 'a', direction: 'asc' }] }, KEYS)), 'z,x,y');
  assert.is(ids(paginate(items, { sort: [{ field: 'a', direction: 'desc' }] }, KEYS)), 'y,x,z');
});

test('empty sort means the first sortable field, descending', () => {
  const items = [item('x', 2, 9), item('y', 3, 8), item('z', 1, 7)];
  assert.is(ids(paginate(items, { sort: [] }, KEYS)), 'y,x,z');
  // A cursor from the empty sort works with the explicit default and vice versa.
  const first = paginate(items, { sort: [], limit: 1 }, KEYS);
  const second = paginate(items, { sort: [{ field: 'a', direction: 'desc' }], limit: 1, next: first.next }, KEYS);
  assert.is(ids(second), 'x');
});

test('empty sort with no sortable fields sorts by stable key', () => {
  const keys: PagingKeys<Item> = { sortable: {}, stableKey: (i) => i.id };
  const items = [item('b'), item('c'), item('a')];
  const first = paginate(items, { sort: [], limit: 2 }, keys);
  assert.is(ids(first), 'a,b');
  assert.is(ids(paginate(items, { sort: [], limit: 2, next: first.next }, keys)), 'c');
});

test('multi-key sort with ties broken by stable key ascending', () => {
  const items = [item('e', 1, 2), item('d', 1, 2), item('c', 2, 1), item('b', 1, 3), item('a', 2, 1), item('f', 0, 0)];
  const sort = (a: 'asc' | 'desc', b: 'asc' | 'desc'): SortSpec[] => [
    { field: 'a', direction: a },
    { field: 'b', direction: b },
  ];
  assert.is(ids(paginate(items, { sort: sort('asc', 'asc') }, KEYS)), 'f,d,e,b,a,c');
  assert.is(ids(paginate(items, { sort: sort('asc', 'desc') }, KEYS)), 'f,b,d,e,a,c');
  assert.is(ids(paginate(items, { sort: sort('desc', 'asc') }, KEYS)), 'a,c,d,e,b,f');
  assert.is(ids(paginate(items, { sort: sort('desc', 'desc') }, KEYS)), 'a,c,b,d,e,f');
  // Ties stay ascending by id even when every field is descending, across page boundaries.
  assert.is(walkNext(items, sort('desc', 'desc'), 1).map(ids).join(','), 'a,c,b,d,e,f');
  assert.is(walkNext(items, sort('asc', 'desc'), 2).map(ids).join(' | '), 'f,b | d,e | a,c');
});

test('NaN sorts before every number (after, when descending), also across cursors', () => {
  const items = [item('p', 1), item('q', NaN), item('r', -Infinity), item('s', NaN), item('u', Infinity), item('v', -0)];
  assert.is(ids(paginate(items, { sort: ASC_A }, KEYS)), 'q,s,r,v,p,u');
  assert.is(ids(paginate(items, { sort: [{ field: 'a', direction: 'desc' }] }, KEYS)), 'u,p,v,r,q,s');
  assert.is(walkNext(items, ASC_A, 1).map(ids).join(','), 'q,s,r,v,p,u');
  assert.is(
    walkNext(items, [{ field: 'a', direction: 'desc' }], 1)
      .map(ids)
      .join(','),
    'u,p,v,r,q,s',
  );
});

test('the input array is not modified', () => {
  const items = [item('b', 2), item('a', 1)];
  paginate(items, { sort: ASC_A }, KEYS);
  assert.is(items.map((i) => i.id).join(','), 'b,a');
});

// ---------------------------------------------------------------- cursors

test('next pages through everything, prev is empty on the first page and next on the last', () => {
  const items = numbered(7);
  const p1 = paginate(items, { sort: ASC_A, limit: 3 }, KEYS);
  assert.is(ids(p1), 'i00,i01,i02');
  assert.is(p1.prev, '');
  assert.ok(p1.next);
  const p2 = paginate(items, { sort: ASC_A, limit: 3, next: p1.next }, KEYS);
  assert.is(ids(p2), 'i03,i04,i05');
  assert.ok(p2.prev);
  assert.ok(p2.next);
  const p3 = paginate(items, { sort: ASC_A, limit: 3, next: p2.next }, KEYS);
  assert.is(ids(p3), 'i06');
  assert.is(p3.next, '');
  assert.ok(p3.prev);
});

test('a page that exactly fits has no next cursor', () => {
  const items = numbered(6);
  assert.is(paginate(items, { sort: ASC_A, limit: 6 }, KEYS).next, '');
  const p1 = paginate(items, { sort: ASC_A, limit: 3 }, KEYS);
  const p2 = paginate(items, { sort: ASC_A, limit: 3, next: p1.next }, KEYS);
  assert.is(ids(p2), 'i03,i04,i05');
  assert.is(p2.next, '');
});

test('next then prev returns the same page', () => {
  const items = numbered(10);
  const sort: SortSpec[] = [{ field: 'a', direction: 'desc' }];
  const p1 = paginate(items, { sort, limit: 4 }, KEYS);
  const p2 = paginate(items, { sort, limit: 4, next: p1.next }, KEYS);
  const p3 = paginate(items, { sort, limit: 4, next: p2.next }, KEYS);
  assert.is(ids(p3), 'i01,i00');
  const back2 = paginate(items, { sort, limit: 4, prev: p3.prev }, KEYS);
  assert.equal(back2, p2);
  const back1 = paginate(items, { sort, limit: 4, prev: back2.prev }, KEYS);
  assert.equal(back1.items, p1.items);
  assert.is(back1.prev, '');
  assert.is(back1.next, p1.next);
});

test('prev near the start returns a short page in sort order', () => {
  const items = numbered(5);
  const p1 = paginate(items, { sort: ASC_A, limit: 2 }, KEYS);
  const p2 = paginate(items, { sort: ASC_A, limit: 2, next: p1.next }, KEYS);
  // With a larger limit going back, there are only two items before p2.
  const back = paginate(items, { sort: ASC_A, limit: 4, prev: p2.prev }, KEYS);
  assert.is(ids(back), 'i00,i01');
  assert.is(back.prev, '');
  assert.ok(back.next);
});

/** A cursor's payload: direction, boundary key, the boundary item's id and the sort signature. */
interface CursorPayload {
  d: string;
  k: unknown[];
  s: string;
  h: string;
}

function decodeCursor(cursor: string): CursorPayload {
  return JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as CursorPayload;
}

test('the cursor is base64url JSON of the boundary key, direction and sort signature', () => {
  const items = [item('x', 1.5), item('y', NaN), item('z', 3)];
  const page = paginate(items, { sort: ASC_A, limit: 1 }, KEYS);
  assert.match(page.next, /^[A-Za-z0-9_-]+$/);
  const payload = decodeCursor(page.next);
  assert.is(payload.d, 'next');
  assert.equal(payload.k, ['NaN']);
  assert.is(payload.s, 'y');
  assert.match(payload.h, /^[0-9a-f]{8}$/);
  const p2 = paginate(items, { sort: ASC_A, limit: 1, next: page.next }, KEYS);
  const prev = decodeCursor(p2.prev);
  assert.equal(prev, { d: 'prev', k: [1.5], s: 'x', h: payload.h });
});

test('cursors survive removal of the boundary item', () => {
  const items = numbered(9);
  const p1 = paginate(items, { sort: ASC_A, limit: 3 }, KEYS);
  const without = items.filter((i) => i.id !== 'i02' && i.id !== 'i03');
  assert.is(ids(paginate(without, { sort: ASC_A, limit: 3, next: p1.next }, KEYS)), 'i04,i05,i06');
  const p2 = paginate(items, { sort: ASC_A, limit: 3, next: p1.next }, KEYS);
  const without3 = items.filter((i) => i.id !== 'i03' && i.id !== 'i01');
  assert.is(ids(paginate(without3, { sort: ASC_A, limit: 3, prev: p2.prev }, KEYS)), 'i00,i02');
});

test('an empty page after deletions still offers the way back', () => {
  const items = numbered(6);
  const p1 = paginate(items, { sort: ASC_A, limit: 3 }, KEYS);
  const shrunk = items.slice(0, 3);
  const empty = paginate(shrunk, { sort: ASC_A, limit: 3, next: p1.next }, KEYS);
  assert.equal(empty.items, []);
  assert.is(empty.next, '');
  assert.ok(empty.prev);
  // The way back includes the boundary item i02 itself, which the empty page did not show.
  const back = paginate(shrunk, { sort: ASC_A, limit: 3, prev: empty.prev }, KEYS);
  assert.is(ids(back), 'i00,i01,i02');
  assert.is(back.prev, '');
  assert.is(back.next, '');

  // Symmetric: an empty page going back offers a next cursor that includes the boundary.
  const p2 = paginate(items, { sort: ASC_A, limit: 3, next: p1.next }, KEYS);
  const tail = items.slice(3);
  const emptyBack = paginate(tail, { sort: ASC_A, limit: 3, prev: p2.prev }, KEYS);
  assert.equal(emptyBack.items, []);
  assert.is(emptyBack.prev, '');
  assert.ok(emptyBack.next);
  const forward = paginate(tail, { sort: ASC_A, limit: 3, next: emptyBack.next }, KEYS);
  assert.is(ids(forward), 'i03,i04,i05');
  assert.is(forward.prev, '');

  // With nothing at all left, an empty page has no cursors.
  assert.equal(paginate([], { sort: ASC_A, limit: 3, next: p1.next }, KEYS), { items: [], next: '', prev: '' });
});

// ---------------------------------------------------------------- invalid requests

test('unknown sort field or direction is rejected', () => {
  rejects(() => paginate([], { sort: [{ field: 'colour', direction: 'asc' }] }, KEYS), 'sort', 'unknown sort field "colour"');
  rejects(() => paginate([], { sort: [{ field: 'toString', direction: 'asc' }] }, KEYS), 'sort', 'unknown sort field "toString"');
  rejects(() => paginate([], { sort: [{ field: 'a', direction: 'up' as 'asc' }] }, KEYS), 'sort', 'direction of "a" must be "asc" or "desc"');
});

test('next and prev together are rejected', () => {
  const items = numbered(10);
  const p1 = paginate(items, { sort: ASC_A, limit: 3 }, KEYS);
  const p2 = paginate(items, { sort: ASC_A, limit: 3, next: p1.next }, KEYS);
  rejects(() => paginate(items, { sort: ASC_A, limit: 3, next: p2.next, prev: p2.prev }, KEYS), 'next', 'cannot be set together with prev');
  // Empty strings count as unset.
  assert.is(ids(paginate(items, { sort: ASC_A, limit: 3, next: '', prev: '' }, KEYS)), 'i00,i01,i02');
});

test('cursors that do not decode are rejected', () => {
  const b64 = (text: string) => Buffer.from(text, 'utf8').toString('base64url');
  const bad = [
    'not a cursor!',
    'abc=',
    'a',
    'eyJ', // truncated
    b64('hello'),
    b64('null'),
    b64('[1,2]'),
    b64('{}'),
    b64('{"d":"next","k":[1],"s":5,"h":"00000000"}'),
    b64('{"d":"next","k":"1","s":"x","h":"00000000"}'),
    'x'.repeat(20_000),
  ];
  for (const cursor of bad) {
    rejects(() => paginate([], { sort: ASC_A, next: cursor }, KEYS), 'next', 'is not a valid cursor');
    rejects(() => paginate([], { sort: ASC_A, prev: cursor }, KEYS), 'prev', 'is not a valid cursor');
  }
  // A well-formed cursor with a bad sort value.
  const items = numbered(3);
  const good = paginate(items, { sort: ASC_A, limit: 1 }, KEYS).next;
  const payload = decodeCursor(good);
  rejects(() => paginate(items, { sort: ASC_A, next: b64(JSON.stringify({ ...payload, k: ['one'] })) }, KEYS), 'next', 'is not a valid cursor');
  rejects(() => paginate(items, { sort: ASC_A, next: b64(JSON.stringify({ ...payload, i: 2 })) }, KEYS), 'next', 'is not a valid cursor');
  // The untouched payload, re-encoded, still works.
  assert.is(ids(paginate(items, { sort: ASC_A, limit: 1, next: b64(JSON.stringify(payload)) }, KEYS)), 'i01');
});

test('a cursor made for another sort is rejected', () => {
  const items = numbered(10);
  const next = paginate(items, { sort: ASC_A, limit: 3 }, KEYS).next;
  const other: SortSpec[][] = [
    [{ field: 'a', direction: 'desc' }],
    [{ field: 'b', direction: 'asc' }],
    [
      { field: 'a', direction: 'asc' },
      { field: 'b', direction: 'asc' },
    ],
    [],
  ];
  for (const sort of other) {
    rejects(() => paginate(items, { sort, limit: 3, next }, KEYS), 'next', 'was made for a different sort');
  }
});

test('a next cursor cannot be used as prev, nor the other way round', () => {
  const items = numbered(10);
  const p1 = paginate(items, { sort: ASC_A, limit: 3 }, KEYS);
  const p2 = paginate(items, { sort: ASC_A, limit: 3, next: p1.next }, KEYS);
  rejects(() => paginate(items, { sort: ASC_A, prev: p2.next }, KEYS), 'prev', 'is a next cursor, not a prev cursor');
  rejects(() => paginate(items, { sort: ASC_A, next: p2.prev }, KEYS), 'next', 'is a prev cursor, not a next cursor');
});

// ---------------------------------------------------------------- properties

const FIELDS = ['a', 'b', 't'] as const;

/** Sort values with many duplicates and every special number. */
const sortValue = fc.oneof(
  { weight: 6, arbitrary: fc.integer({ min: 0, max: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(NaN, Infinity, -Infinity, -0) },
  { weight: 1, arbitrary: fc.double() },
);

const values = fc.record({ a: sortValue, b: sortValue, t: sortValue });

const itemsArb = fc
  .uniqueArray(fc.record({ id: fc.string({ unit: 'binary', maxLength: 4 }), v: values }), {
    selector: (r) => r.id,
    maxLength: 40,
    size: 'medium', // the default size would stop at about 10 items
  })
  .map((rs) => rs.map((r): Item => ({ id: r.id, ...r.v })));

const sortArb = fc
  .tuple(fc.shuffledSubarray([...FIELDS]), fc.array(fc.constantFrom('asc' as const, 'desc' as const), { minLength: 3, maxLength: 3 }))
  .map(([fields, dirs]): SortSpec[] => fields.map((field, i) => ({ field, direction: dirs[i] })));

/** An independent reference order: NaN as the smallest number, then ids by code units. */
function referenceSort(items: readonly Item[], sort: readonly SortSpec[]): Item[] {
  const specs: readonly SortSpec[] = sort.length ? sort : [{ field: 'a', direction: 'desc' }];
  const rank = (x: number): [number, number] => (Number.isNaN(x) ? [0, 0] : [1, x === 0 ? 0 : x]);
  return [...items].sort((p, q) => {
    for (const { field, direction } of specs) {
      const key = field as (typeof FIELDS)[number];
      const [pr, pv] = rank(p[key]);
      const [qr, qv] = rank(q[key]);
      const c = pr !== qr ? pr - qr : pv < qv ? -1 : pv > qv ? 1 : 0;
      if (c !== 0) return direction === 'asc' ? c : -c;
    }
    return p.id < q.id ? -1 : p.id > q.id ? 1 : 0;
  });
}

function request(sort: readonly SortSpec[], limit: number, cursor?: { next?: string; prev?: string }): PageRequest {
  return { sort, limit, ...cursor };
}

test('property: following next visits every item once in sort order; prev walks it back', () => {
  fc.assert(
    fc.property(itemsArb, sortArb, (items, sort) => {
      const expected = referenceSort(items, sort).map((i) => i.id);
      for (let limit = 1; limit <= items.length + 1; limit++) {
        // Forward.
        const forward: Page<Item>[] = [];
        let page = paginate(items, request(sort, limit), KEYS);
        assert.is(page.prev, '');
        forward.push(page);
        while (page.next) {
          page = paginate(items, request(sort, limit, { next: page.next }), KEYS);
          forward.push(page);
          assert.ok(forward.length <= items.length + 1, 'too many pages');
        }
        assert.equal(
          forward.flatMap((p) => p.items.map((i) => i.id)),
          expected,
        );
        assert.is(forward.length, Math.max(1, Math.ceil(items.length / limit)));
        forward.forEach((p, i) => {
          if (i < forward.length - 1) assert.is(p.items.length, limit);
          assert.is(p.prev === '', i === 0);
        });

        // Backward from the last page.
        const backward: Page<Item>[] = [page];
        while (page.prev) {
          page = paginate(items, request(sort, limit, { prev: page.prev }), KEYS);
          backward.push(page);
          assert.ok(backward.length <= items.length + 1, 'too many pages');
          assert.ok(page.next, 'a page reached by prev has items after it');
          assert.ok(page.items.length > 0);
        }
        assert.equal(
          backward.reverse().flatMap((p) => p.items.map((i) => i.id)),
          expected,
        );
        // The first backward page (now at the front) ends up at the very start.
        assert.is(backward[0].prev, '');
      }
    }),
    { numRuns: 200 },
  );
});

test('property: next then prev returns the same page', () => {
  fc.assert(
    fc.property(itemsArb, sortArb, fc.integer({ min: 1, max: 10 }), (items, sort, limit) => {
      let page = paginate(items, request(sort, limit), KEYS);
      for (let n = 0; page.next; n++) {
        assert.ok(n <= items.length, 'paging does not end');
        const after = paginate(items, request(sort, limit, { next: page.next }), KEYS);
        const back = paginate(items, request(sort, limit, { prev: after.prev }), KEYS);
        assert.equal(back.items, page.items);
        assert.is(back.next, page.next);
        assert.is(back.prev, page.prev);
        page = after;
      }
    }),
    { numRuns: 200 },
  );
});

/** Removals (indexes into the current items) and insertions applied between two fetches. */
const mutationArb = fc.record({
  remove: fc.array(fc.nat(), { maxLength: 3 }),
  insert: fc.array(values, { maxLength: 3 }),
});

function mutate(items: Item[], m: { remove: number[]; insert: { a: number; b: number; t: number }[] }, fresh: () => string): Item[] {
  const out = [...items];
  for (const r of m.remove) if (out.length) out.splice(r % out.length, 1);
  for (const v of m.insert) out.push({ id: fresh(), ...v });
  return out;
}

test('property: inserting and removing items between pages never skips or repeats a surviving item', () => {
  fc.assert(
    fc.property(
      itemsArb,
      sortArb,
      fc.integer({ min: 1, max: 8 }),
      fc.array(mutationArb, { maxLength: 30, size: 'medium' }),
      fc.boolean(),
      (initial, sort, limit, mutations, backwards) => {
        let counter = 0;
        const fresh = () => `\u{10FFFF}new${counter++}`; // never collides with generated ids
        let items = initial;
        const removed = new Set<string>();
        const apply = (step: number) => {
          const m = mutations[step];
          if (!m) return;
          const before = new Set(items.map((i) => i.id));
          items = mutate(items, m, fresh);
          const after = new Set(items.map((i) => i.id));
          for (const id of before) if (!after.has(id)) removed.add(id);
        };

        let page: Page<Item>;
        if (backwards) {
          // Reach the last page without mutations, then walk back while mutating.
          page = walkNext(items, sort, limit).pop()!;
        } else {
          page = paginate(items, request(sort, limit), KEYS);
        }
        const visited: Item[] = [...page.items];
        let step = 0;
        for (;;) {
          const cursor = backwards ? page.prev : page.next;
          if (!cursor) break;
          apply(step++);
          page = paginate(items, request(sort, limit, backwards ? { prev: cursor } : { next: cursor }), KEYS);
          if (backwards) visited.unshift(...page.items);
          else visited.push(...page.items);
          assert.ok(step < 1000, 'runaway paging');
        }

        const visitedIds = visited.map((i) => i.id);
        assert.is(new Set(visitedIds).size, visitedIds.length, 'an item was repeated');
        // Visited items are in strict sort order.
        assert.equal(
          referenceSort(visited, sort).map((i) => i.id),
          visitedIds,
        );
        // Every item present throughout was visited.
        const seen = new Set(visitedIds);
        for (const i of initial) {
          if (!removed.has(i.id)) assert.ok(seen.has(i.id), `item ${JSON.stringify(i.id)} was skipped`);
        }
      },
    ),
    { numRuns: 200 },
  );
});

test('paging 50k items: the first two pages, the largest first, none twice', () => {
  const items = Array.from({ length: 50_000 }, (_, i) => item(`c${i}`, i % 97, i % 13, i % 7 ? i : NaN));
  const sort: SortSpec[] = [
    { field: 'a', direction: 'desc' },
    { field: 't', direction: 'asc' },
  ];
  const p1 = paginate(items, { sort, limit: 100 }, KEYS);
  const p2 = paginate(items, { sort, limit: 100, next: p1.next }, KEYS);
  assert.is(p1.items.length, 100);
  assert.is(p2.items.length, 100);
  // About 515 items have the largest a (96): both pages hold only those, none twice.
  const both = [...p1.items, ...p2.items];
  assert.ok(both.every((i) => i.a === 96));
  assert.is(new Set(both.map((i) => i.id)).size, 200);
});

test.run();
