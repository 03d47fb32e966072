/**
 * The README's figures come from scripts and cannot drift: its size table agrees with a
 * fresh measurement of the browser entry (within README_TOLERANCE_KB), its benchmark table is
 * exactly what bench/results.json renders to, and no size is stated anywhere else in it.
 */
import * as assert from 'uvu/assert';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { renderBenchBlock, type BenchResults } from '../../bench/readme';
import { README, readBlock, replaceBlock } from '../../scripts/readme-blocks';
import { measure, renderSizeBlock, sizeBlockDrift } from '../../scripts/size';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);

const readme = readFileSync(README, 'utf8');

test('the size table agrees with what the build measures (npm run size -- --write-readme)', async () => {
  const measured = await measure();
  assert.equal(sizeBlockDrift(readme, renderSizeBlock(measured)), []);
  assert.ok(readBlock(readme, 'size').includes(`${(measured.budget / 1024).toFixed(1)} KB`), 'the budget as scripts/size.ts has it');
});

test('the drift check catches a figure off by more than the tolerance, and a hand-edited layout', async () => {
  const measured = await measure();
  const off = { ...measured, sdk: { ...measured.sdk, gzipped: measured.sdk.gzipped + 2048 } };
  assert.equal(sizeBlockDrift(replaceBlock(readme, 'size', renderSizeBlock(off)), renderSizeBlock(measured)).length, 2, 'the entry and the difference row');
  const edited = replaceBlock(readme, 'size', `${renderSizeBlock(measured)}\n| another row | 1.0 KB | 1.0 KB |`);
  assert.equal(sizeBlockDrift(edited, renderSizeBlock(measured)).length, 1);
});

test('the benchmark table is what bench/results.json renders to (npm run bench writes both)', () => {
  const results = JSON.parse(readFileSync(resolve(import.meta.dirname, '../../bench/results.json'), 'utf8')) as BenchResults;
  assert.is(readBlock(readme, 'bench'), renderBenchBlock(results));
});

test('sizes are stated once: no KB figure outside the size table', () => {
  const outside = replaceBlock(readme, 'size', '');
  assert.equal(
    [...outside.matchAll(/\d+(?:\.\d+)?\s*KB\b/g)].map((m) => m[0]),
    [],
  );
});

test.run();
