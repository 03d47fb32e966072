/**
 * The React example (`examples/react`) in a real browser: built by vite's JS API, served
 * beside a local coordinator on 127.0.0.1, driven in two Chromium pages with a fake camera
 * and microphone, alice and bob. Ring and reject, ring and accept; both participants lists
 * show both users; each page's tile plays the other's camera (videoWidth > 0); alice's record
 * button shows the recording badge on both pages, and hides it again; reactions show on the
 * tiles; alice (the call's admin) mutes bob's camera, kicks him (he joins again), blocks him
 * (his join is refused) and unblocks him, from his tile and the blocked list. Also the example
 * server's routes, and the build's refusal of Node-only modules.
 *
 * Every wait is a condition with a safety timeout, never a wall-clock bound on speed.
 * Screenshots go to test-results/screenshots/react-*.png.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { build } from 'vite';
import { startReactExample } from '../../examples/react/server';
import { browserOnly } from '../../examples/react/vite.config';
import { browserSuite, checkpoint, count, openAs, seesVideoOf, seeText } from '../helpers/browser';

const test = browserSuite('React example in a browser', () => startReactExample({ port: 0 }));

const tile = (page: Page, userId: string) => page.locator(`[data-testid="tile"][data-user-id="${userId}"]`);

function post(url: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

/** The participants list as the page shows it: user ids, sorted, and which one is local. */
function participants(page: Page): Promise<{ userId: string | undefined; local: boolean }[]> {
  return page
    .getByTestId('participant')
    .evaluateAll((items) =>
      items
        .map((li) => ({ userId: (li as HTMLElement).dataset.userId, local: (li as HTMLElement).dataset.local === 'true' }))
        .sort((a, b) => String(a.userId).localeCompare(String(b.userId))),
    );
}

test('the server: the built page and its assets, a token by POST body only, no CORS on the app routes', async ({ server: example }) => {
  const { url, files } = example!;
  const page = await fetch(url);
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.is(page.headers.get('access-control-allow-origin'), null, 'the app routes are same-origin only');
  assert.match(page.headers.get('content-security-policy') ?? '', /default-src 'self'/);
  const html = await page.text();
  assert.match(html, /<div id="root"><\/div>/);
  const scripts = [...html.matchAll(/src="(\/assets\/[^"]+\.js)"/g)].map((m) => m[1]);
  assert.is(scripts.length, 1, 'one entry script');
  // Every file vite built is served with its type, and the page refers to built files only.
  const assets = [...files.keys()].filter((p) => p.startsWith('/assets/'));
  assert.ok(assets.some((p) => p.endsWith('.css')) && assets.some((p) => p.endsWith('.js')));
  for (const path of assets) {
    const res = await fetch(new URL(path, url));
    assert.is(res.status, 200, path);
    assert.match(res.headers.get('content-type') ?? '', path.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
    assert.is(Buffer.from(await res.arrayBuffer()).length, files.get(path)!.body.length, path);
  }
  for (const src of scripts) assert.ok(files.has(src), src);
  assert.is((await fetch(new URL('/assets/missing.js', url))).status, 404);

  const tokenUrl = new URL('/token', url).href;
  const minted = await post(tokenUrl, JSON.stringify({ userId: 'alice' }));
  assert.is(minted.status, 200);
  const { token } = (await minted.json()) as { token: string };
  assert.is(token.split('.').length, 3, 'a JWT');
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { user_id: string };
  assert.is(claims.user_id, 'alice');
  assert.is((await fetch(tokenUrl)).status, 405, 'never by GET (a token in no URL)');
  assert.is((await post(tokenUrl, '{"userId":""}')).status, 400);
  assert.is((await post(tokenUrl, 'not json')).status, 400);
  assert.is((await post(tokenUrl, JSON.stringify({ userId: 'x'.repeat(20_000) }))).status, 413);
  assert.is((await fetch(url, { method: 'POST' })).status, 405);
});

test("the example's build refuses ws and Node built-in modules (vite alone would stub them)", async () => {
  const dir = mkdtempSync(join(tmpdir(), 'react-example-'));
  try {
    writeFileSync(join(dir, 'index.html'), '<script type="module" src="./main.js"></script>');
    for (const source of ['ws', 'node:fs', 'crypto']) {
      writeFileSync(join(dir, 'main.js'), `import * as m from '${source}'; console.log(m);`);
      let failure: { errors?: { plugin?: string; hook?: string }[] } | undefined;
      try {
        await build({ configFile: false, root: dir, logLevel: 'silent', plugins: [browserOnly()], build: { write: false } });
      } catch (err) {
        failure = err as typeof failure;
      }
      assert.equal(
        failure?.errors?.map((e) => [e.plugin, e.hook]),
        [['stream-video-browser-only', 'resolveId']],
        source,
      );
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('alice rings bob: reject, then accept; participants, video both ways, the recording badge on both', async (ctx) => {
  const url = ctx.server!.url;
  const [a, b] = await Promise.all([openAs(ctx, url, 'alice', { media: true }), openAs(ctx, url, 'bob', { media: true })]);
  const { page: alice } = a;
  const { page: bob } = b;
  const both = { alice, bob };

  // Ring; bob rejects: the ring leaves both pages.
  await alice.getByTestId('callee-input').fill('bob');
  await alice.getByTestId('ring').click();
  await seeText(alice, 'outgoing-call', 'Ringing bob', 'alice');
  await seeText(bob, 'incoming-call', 'Alice (alice) is calling', 'bob');
  await checkpoint(both, '1-ringing', 'react');
  await bob.getByTestId('incoming-call').getByTestId('reject').click();
  await seeText(bob, 'incoming-empty', 'No incoming calls', 'bob');
  await seeText(alice, 'outgoing-empty', 'No outgoing calls', 'alice');
  await seeText(alice, 'active-call', /^Not in a call$/, 'alice');

  // Ring again; bob accepts: bob joins, alice joins once she sees the acceptance.
  await alice.getByTestId('ring').click();
  await seeText(bob, 'incoming-call', 'Alice (alice) is calling', 'bob');
  const cid = (await alice.getByTestId('outgoing-call').getAttribute('data-call-cid')) ?? '';
  assert.match(cid, /^default:react-/);
  await bob.getByTestId('incoming-call').getByTestId('accept').click();
  for (const [who, page] of Object.entries(both)) {
    await seeText(page, 'active-call', `In call ${cid}`, who);
    await count(page, '[data-testid="participant"]', 2, who);
    await count(page, '[data-testid="tile"]', 2, who);
  }
  await seeText(alice, 'accepted-call', `${cid} accepted by bob`, 'alice');
  assert.equal(await participants(alice), [
    { userId: 'alice', local: true },
    { userId: 'bob', local: false },
  ]);
  assert.equal(await participants(bob), [
    { userId: 'alice', local: false },
    { userId: 'bob', local: true },
  ]);

  // Both start their cameras; each page's tile plays the other's video.
  for (const [who, page] of Object.entries(both)) {
    await page.getByTestId('camera-toggle').click();
    await page.locator('[data-testid="camera-toggle"][data-on="true"]').waitFor();
    await seeText(page, 'camera-toggle', 'Stop camera', who);
  }
  const bobWidth = await seesVideoOf(alice, 'bob', 'alice');
  const aliceWidth = await seesVideoOf(bob, 'alice', 'bob');
  assert.ok(bobWidth > 0 && aliceWidth > 0, `widths ${bobWidth}, ${aliceWidth}`);
  for (const [page, other] of [
    [alice, 'bob'],
    [bob, 'alice'],
  ] as const) {
    await page.locator(`[data-testid="tile"][data-user-id="${other}"] [data-testid="video-on"]`).waitFor();
  }
  await checkpoint(both, '2-in-call-with-video', 'react');

  // Recording: alice (the call's admin) may start it, bob (a member) may not; both see the badge.
  assert.ok(await bob.getByTestId('record').isDisabled(), 'a member has no start-record-call');
  for (const page of [alice, bob]) assert.ok(await page.getByTestId('recording-badge').isHidden());
  await alice.getByTestId('record').click();
  for (const [who, page] of Object.entries(both)) await seeText(page, 'recording-badge', 'Recording', who);
  await seeText(alice, 'record', 'Stop recording', 'alice');
  await checkpoint(both, '3-recording', 'react');
  await alice.getByTestId('record').click();
  for (const page of [alice, bob]) await page.getByTestId('recording-badge').waitFor({ state: 'detached' });
  await seeText(alice, 'record', 'Start recording', 'alice');

  // Reactions: each page shows the other's on its tile.
  await alice.getByTestId('react-fireworks').click();
  await bob.getByTestId('react-like').click();
  for (const [who, page] of Object.entries(both)) {
    await seeText(page, 'tile-reaction', 'fireworks', who, tile(page, 'alice'));
    await seeText(page, 'tile-reaction', 'like', who, tile(page, 'bob'));
  }
  await checkpoint(both, '4-reactions', 'react');

  // Moderation, on the admin's tiles only: a mute stops bob's camera (he may start it again).
  await count(bob, '[data-testid="kick-user"], [data-testid="mute-video"], [data-testid="end-call"]', 0, 'bob');
  await tile(alice, 'bob').getByTestId('mute-video').click();
  await seeText(bob, 'moderation-notice', 'Alice (alice) muted your camera', 'bob');
  await bob.locator('[data-testid="camera-toggle"][data-on="false"]').waitFor();
  await tile(alice, 'bob').getByTestId('video-muted').waitFor();
  // A kick takes bob out; he joins again.
  await tile(alice, 'bob').getByTestId('kick-user').click();
  await seeText(bob, 'active-call', /^Not in a call$/, 'bob');
  await seeText(bob, 'moderation-notice', 'Alice (alice) removed you from the call', 'bob');
  await count(alice, '[data-testid="tile"]', 1, 'alice');
  await bob.getByTestId('rejoin').click();
  for (const [who, page] of Object.entries(both)) await count(page, '[data-testid="tile"]', 2, who);
  // A block takes him out and refuses his join until alice unblocks him.
  await tile(alice, 'bob').getByTestId('block-user').click();
  await seeText(bob, 'moderation-notice', 'Alice (alice) blocked you from the call', 'bob');
  await seeText(alice, 'blocked-user', 'bob is blocked', 'alice');
  await checkpoint(both, '5-bob-blocked', 'react');
  await bob.getByTestId('rejoin').click();
  await bob.locator('[data-testid="error"][data-code="permission_denied"]').waitFor();
  await alice.getByTestId('blocked-user').getByTestId('unblock').click();
  await count(alice, '[data-testid="blocked-user"]', 0, 'alice');
  await bob.getByTestId('rejoin').click();
  for (const [who, page] of Object.entries(both)) await count(page, '[data-testid="tile"]', 2, who);

  // Both leave.
  for (const page of [bob, alice]) await page.getByTestId('leave').click();
  for (const [who, page] of Object.entries(both)) {
    await seeText(page, 'active-call', /^Not in a call$/, who);
    await count(page, '[data-testid="tile"]', 0, who);
  }
  await checkpoint(both, '6-left', 'react');
  const refused = b.errors.filter((e) => / 403 /.test(e));
  assert.is(refused.length, 1, "the blocked join's refusal");
  assert.equal([...a.errors, ...b.errors.filter((e) => !refused.includes(e))], [], 'no other errors in the pages');
});

test.run();
