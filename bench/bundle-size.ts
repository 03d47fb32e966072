/**
 * Benchmark 6, bundle size: `measure()` from scripts/size.ts bundles the browser entry
 * (src/index.ts) and the dependencies alone (what the entry imports from protobuf-ts and
 * nanostores) with esbuild, minified, and gzips both, against the budget of the entry
 * (BUDGET_BYTES); the dependencies alone are the raw baseline beside it. Sizes are
 * deterministic: one measurement, no repeats. The README shows them in its Size section
 * (written by `npm run size -- --write-readme`), not in the benchmark table.
 */
import { measure } from '../scripts/size';
import { fmt, type Row } from './stats';

const kb = (n: number) => `${fmt(n / 1024, 1)} KB`;

export async function run(log: (line: string) => void): Promise<Row[]> {
  const { sdk, deps, budget } = await measure();
  log(`  browser entry ${kb(sdk.minified)} minified, ${kb(sdk.gzipped)} gzipped; deps alone ${kb(deps.minified)} / ${kb(deps.gzipped)}`);
  if (sdk.nodeModules.length > 0) log(`  the browser bundle pulls in Node-only modules: ${sdk.nodeModules.join(', ')}`);
  return [
    {
      figure: `6. Bundle: browser entry gzipped (minified) ÷ ${kb(budget)} budget`,
      value: `${fmt(sdk.gzipped / budget)}; ${kb(sdk.gzipped)} gz (${kb(sdk.minified)} min)${sdk.nodeModules.length ? `; Node-only modules: ${sdk.nodeModules.join(', ')}` : ''}`,
      goal: `≤ 1 (${kb(budget)} gz)`,
      holds: sdk.gzipped <= budget && sdk.nodeModules.length === 0,
      data: { sdk, budget },
      readme: false,
    },
    {
      figure: '6. Bundle: dependencies alone gzipped (minified), beside the entry',
      value: `${kb(deps.gzipped)} gz (${kb(deps.minified)} min); entry ÷ deps ${fmt(sdk.gzipped / deps.gzipped)} gz, ${fmt(sdk.minified / deps.minified)} min`,
      goal: '— (context)',
      holds: null,
      data: { deps, sdkOwnGzipped: sdk.gzipped - deps.gzipped },
      readme: false,
    },
  ];
}
