/**
 * A browser app can get a token (issue 25, item 10): the README's usage fetches its token
 * from a token route, and the README shows the local coordinator serving one through
 * `httpHandler`. Both blocks run here as the README has them, with two rewrites: the package
 * names become this repository's sources, and the fixed port 3030 becomes a free one.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { StreamVideoClient } from '../../src/index-node';
import type { LocalCoordinator } from '../../src/testing';
import { README } from '../../scripts/readme-blocks';

const readme = readFileSync(README, 'utf8');
const blocks = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);

/** The one `ts` block of the README that holds `marker`. */
function blockWith(marker: string): string {
  const found = blocks.filter((b) => b.includes(marker));
  assert.is(found.length, 1, `one README block holds ${JSON.stringify(marker)}`);
  return found[0];
}

test('the README token route and the usage token function, run together: the token connects a user', async () => {
  const route = blockWith('httpHandler:');
  const usage = blockWith('await client.connectUser(');
  const tokenLine = usage.split('\n').find((l) => l.startsWith('const token = () => fetch('));
  assert.ok(tokenLine, 'the usage block fetches its token from a route');
  assert.ok(route.includes("from 'stream-video-client/testing'") && route.includes('port: 3030,'));
  assert.ok(tokenLine.includes("'http://127.0.0.1:3030/token'"), 'the usage fetches the route the README serves');

  const dir = mkdtempSync(join(tmpdir(), 'readme-token-'));
  const file = join(dir, 'blocks.mts'); // an ES module wherever it lies (top-level await)
  const testing = pathToFileURL(resolve(import.meta.dirname, '../../src/testing/index.ts')).href;
  writeFileSync(
    file,
    [
      route.replace("'stream-video-client/testing'", JSON.stringify(testing)).replace('port: 3030,', 'port: 0,'),
      tokenLine.replace("'http://127.0.0.1:3030/token'", '`${coordinator.baseUrl}/token`'),
      'export { coordinator, token };',
    ].join('\n'),
  );
  const log = console.log;
  console.log = () => {};
  let blocksModule: { coordinator: LocalCoordinator; token: () => Promise<unknown> };
  try {
    blocksModule = (await import(pathToFileURL(file).href)) as typeof blocksModule;
  } finally {
    console.log = log;
    rmSync(dir, { recursive: true, force: true });
  }
  const { coordinator, token } = blocksModule;
  try {
    const minted = await token();
    assert.type(minted, 'string');
    const client = new StreamVideoClient(coordinator.apiKey, { baseUrl: coordinator.baseUrl, logger: () => {} });
    await client.connectUser({ id: 'alice', name: 'Alice' }, token as () => Promise<string>);
    assert.is(client.readOnlyStateStore.connectedUser$.get()?.id, 'alice');
    assert.is(client.readOnlyStateStore.connectionState$.get(), 'connected');
    await client.disconnectUser();
    // The route is the only one added: every other path is still the coordinator's.
    assert.is((await fetch(`${coordinator.baseUrl}/token`)).status, 404, 'GET /token is not the route');
  } finally {
    await coordinator.close();
  }
});

test.run();
