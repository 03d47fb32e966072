/**
 * Meta-test: every method of the generated service descriptor has a contract test.
 *
 * A method counts as covered when some test/contract/*.test.ts file (comments stripped)
 * both calls it through a client (`.<localName>(`, e.g. `alice.joinCall(`) and names it
 * by its schema name in a string (a suite or test title, e.g. `'JoinCall: ...'`).
 * Adding an RPC to the proto without a contract test makes this test fail, naming it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as assert from 'uvu/assert';
import { CoordinatorService } from '../../gen/stream/video/coordinator/v1/coordinator_service';
import { fileSuite } from '../helpers/common';

const test = fileSuite(import.meta.url);

const HERE = dirname(fileURLToPath(import.meta.url));
const SELF = 'coverage.test.ts';

interface MethodName {
  name: string;
  localName: string;
}

function stripComments(source: string): string {
  return source.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`])\/\/.*$/gm, '$1');
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** What each method lacks in `sources`: a client call, a title naming it, or both. */
function uncovered(methods: readonly MethodName[], sources: readonly string[]): string[] {
  const text = sources.map(stripComments).join('\n');
  const missing: string[] = [];
  for (const m of methods) {
    const called = new RegExp(`\\.\\s*${escape(m.localName)}\\s*\\(`).test(text);
    const titled = new RegExp(`(['"\`])[^'"\`\\n]*\\b${escape(m.name)}\\b[^'"\`\\n]*\\1`).test(text);
    if (!called || !titled) {
      const lacks = [!called && `no call of .${m.localName}(`, !titled && `no test title naming ${m.name}`].filter(Boolean).join(', ');
      missing.push(`${m.name} (${lacks})`);
    }
  }
  return missing;
}

function contractSources(): { file: string; text: string }[] {
  return readdirSync(HERE)
    .filter((f) => f.endsWith('.test.ts') && f !== SELF)
    .sort()
    .map((file) => ({ file, text: readFileSync(join(HERE, file), 'utf8') }));
}

/** The RPCs the schema declares, by name, read from the proto file itself. */
function schemaRpcs(): string[] {
  const proto = readFileSync(join(HERE, '../../proto/stream/video/coordinator/v1/coordinator_service.proto'), 'utf8');
  return [...stripComments(proto).matchAll(/\brpc\s+(\w+)\s*\(/g)].map((m) => m[1]).sort();
}

test('the descriptor lists the schema methods (as the proto declares them), with local names', () => {
  assert.equal(CoordinatorService.methods.map((m) => m.name).sort(), schemaRpcs(), 'gen/ is generated from proto/: run npm run generate');
  for (const m of CoordinatorService.methods) {
    assert.ok(/^[A-Z]\w+$/.test(m.name), m.name);
    assert.is(m.localName, m.name[0].toLowerCase() + m.name.slice(1));
  }
});

test('the check finds what is missing (self-test)', () => {
  const methods = [
    { name: 'JoinCall', localName: 'joinCall' },
    { name: 'LeaveCall', localName: 'leaveCall' },
    { name: 'EndCall', localName: 'endCall' },
    { name: 'QueryCalls', localName: 'queryCalls' },
  ];
  const sources = [
    "test('JoinCall: joins', async () => { await alice.joinCall(req); });",
    "test('LeaveCall: leaves', async () => {}); // alice.leaveCall(req)",
    "/* test('EndCall') */ await alice.endCall(req);",
    "test('QueryCallsX', () => client.queryCallsX(req));",
  ];
  assert.equal(uncovered(methods, sources), [
    'LeaveCall (no call of .leaveCall()',
    'EndCall (no test title naming EndCall)',
    'QueryCalls (no call of .queryCalls(, no test title naming QueryCalls)',
  ]);
});

test('every RPC of CoordinatorService has a contract test', () => {
  const sources = contractSources();
  assert.ok(sources.length > 0, `no contract test files in ${HERE}`);
  const missing = uncovered(
    CoordinatorService.methods,
    sources.map((s) => s.text),
  );
  assert.equal(missing, [], `methods without a contract test in test/contract (${sources.map((s) => s.file).join(', ')}):\n  ${missing.join('\n  ')}`);
});

test.run();
