/**
 * The demo page in a real browser (Debian's Chromium headless shell through playwright-core): alice and bob,
 * each in a page of their own, ring, accept, ask for and grant screenshare, record, speak,
 * pin, react, moderate (mute, kick, block, unblock: alice is the call's admin) and leave,
 * and each page shows what the SDK's store holds. Also the demo server's
 * HTTP routes, and the check that the browser bundle pulls in no Node module.
 *
 * Screenshots of both pages at key moments go to test-results/screenshots/.
 */
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import * as assert from 'uvu/assert';
import { bundleForBrowser, NodeOnlyBundleError, startDemoServer, type DemoServer } from '../../examples/demo-page/demo-server';
import { browserSuite, checkpoint, count, openAs as open, ROOT, seeText, type ServerSession } from '../helpers/browser';
import { suiteName } from '../helpers/common';

const test = browserSuite(suiteName(import.meta.url), () => startDemoServer({ port: 0 }));

/** A fresh page of its own, connected as `user`; collects the page's errors. */
const openAs = (ctx: ServerSession<DemoServer>, user: string) => open(ctx, ctx.server!.url, user);

/** The participants list as the page shows it. */
function participants(page: Page) {
  return page.getByTestId('participant').evaluateAll((items) =>
    items
      .map((li) => ({
        userId: (li as HTMLElement).dataset.userId,
        local: (li as HTMLElement).dataset.local === 'true',
        markers: [...li.querySelectorAll('.tag')].map((t) => t.getAttribute('data-testid')),
      }))
      .sort((a, b) => String(a.userId).localeCompare(String(b.userId))),
  );
}

const tileOf = (page: Page, userId: string) => page.locator(`[data-testid="tile"][data-user-id="${userId}"]`);
const participant = (page: Page, userId: string, attrs = '') => page.locator(`[data-testid="participant"][data-user-id="${userId}"]${attrs}`);

async function post(url: string, body: string): Promise<Response> {
  return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
}

test('the browser bundle pulls in no Node module; the Node entry is refused', async () => {
  const { code, metafile } = await bundleForBrowser(join(ROOT, 'examples/demo-page/app.ts'));
  assert.ok(code.length > 0);
  assert.ok(
    Object.keys(metafile.inputs).some((i) => i.endsWith('src/StreamVideoClient.ts')),
    'the bundle holds the SDK',
  );
  try {
    await bundleForBrowser(join(ROOT, 'src/index-node.ts'));
    assert.unreachable('the Node entry (with ws) was bundled for the browser');
  } catch (err) {
    assert.instance(err, NodeOnlyBundleError);
    assert.ok(
      (err as NodeOnlyBundleError).modules.some((m) => /node_modules\/ws\//.test(m)),
      'ws is named',
    );
    assert.ok(
      (err as NodeOnlyBundleError).modules.some((m) => /node_modules\/undici\//.test(m)),
      'undici is named',
    );
  }
});

test('HTTP routes: page, bundle, token by POST body only, dominant speaker, no CORS on /demo/', async ({ server: demo }) => {
  const base = demo!.url;
  const page = await fetch(base);
  assert.is(page.status, 200);
  assert.match(page.headers.get('content-type') ?? '', /^text\/html/);
  assert.is(page.headers.get('access-control-allow-origin'), null, 'the demo routes are same-origin only');
  assert.match(await page.text(), /<meta name="stream-api-key" content="local-key">/);
  const js = await fetch(new URL('app.js', base));
  assert.is(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /^text\/javascript/);
  assert.ok((await js.text()).length > 10_000);
  assert.is((await fetch(new URL('/', base), { redirect: 'manual' })).headers.get('location'), '/demo/');

  const tokenUrl = new URL('token', base).href;
  assert.is((await fetch(`${tokenUrl}?userId=alice`)).status, 405, 'no token from a GET (nor from a URL)');
  for (const bad of ['not json', '[]', '{}', '{"userId":5}', '{"userId":""}', '{"userId":"a b"}']) {
    const res = await post(tokenUrl, bad);
    assert.is(res.status, 400, `token body ${bad}`);
    assert.type(((await res.json()) as { error?: unknown }).error, 'string');
  }
  assert.is((await post(tokenUrl, JSON.stringify({ userId: 'x'.repeat(20_000) }))).status, 413);
  const res = await post(tokenUrl, '{"userId":"alice"}');
  assert.is(res.status, 200);
  const { token } = (await res.json()) as { token: string };
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as { user_id: string; exp: number };
  assert.is(claims.user_id, 'alice');
  assert.ok(Math.abs(claims.exp - Date.now() / 1000 - 3600) < 60, 'the token lives 1 h');

  const speakerUrl = new URL('dominant-speaker', base).href;
  assert.is((await post(speakerUrl, '{"callCid":"default:nope"}')).status, 400);
  assert.is((await post(speakerUrl, '{"callCid":"default:nope","userId":"alice","sessionId":"s1"}')).status, 404);
  assert.is((await fetch(new URL('nothing-here', base))).status, 404);
});

test('alice rings bob; bob accepts; screenshare, recording, dominant speaker, pin, leave', async (ctx) => {
  const [a, b] = await Promise.all([openAs(ctx, 'alice'), openAs(ctx, 'bob')]);
  const alice = a.page;
  const bob = b.page;
  const both = { alice, bob };
  await seeText(alice, 'incoming-empty', 'No incoming calls', 'alice');
  await seeText(alice, 'outgoing-empty', 'No outgoing calls', 'alice');

  // Ring.
  await alice.getByTestId('callee-input').fill('bob');
  await alice.getByTestId('ring').click();
  await seeText(alice, 'outgoing-call', 'Ringing bob', 'alice');
  await seeText(bob, 'incoming-call', 'Alice (alice) is calling', 'bob');
  const cid = await alice.getByTestId('outgoing-call').getAttribute('data-call-cid');
  assert.match(cid ?? '', /^default:demo-/);
  assert.is(await bob.getByTestId('incoming-call').getAttribute('data-call-cid'), cid, 'both pages show the same call');
  await count(bob, '[data-testid="outgoing-call"]', 0, 'bob');
  await checkpoint(both, '1-ringing');

  // Accept: bob joins; alice sees the acceptance and joins too.
  await bob.getByTestId('incoming-call').getByTestId('accept').click();
  await seeText(alice, 'accepted-call', `${cid} accepted by bob`, 'alice');
  for (const [who, page] of Object.entries(both)) {
    await seeText(page, 'active-call', `In call ${cid}`, who);
    await count(page, '[data-testid="incoming-call"]', 0, who);
    await count(page, '[data-testid="outgoing-call"]', 0, who);
    await seeText(page, 'incoming-empty', 'No incoming calls', who);
    await seeText(page, 'outgoing-empty', 'No outgoing calls', who);
    await count(page, '[data-testid="participant"]', 2, who);
    assert.equal(
      await participants(page),
      [
        { userId: 'alice', local: who === 'alice', markers: who === 'alice' ? ['local-marker'] : [] },
        { userId: 'bob', local: who === 'bob', markers: who === 'bob' ? ['local-marker'] : [] },
      ],
      `${who}'s participants`,
    );
    await seeText(page, 'connection-state', /^connected$/, who);
  }
  await checkpoint(both, '2-in-call');

  // Screenshare: bob asks, alice (the call's admin) grants.
  await seeText(bob, 'capabilities', 'My capabilities:', 'bob');
  assert.not.match((await bob.getByTestId('capabilities').textContent()) ?? '', /screenshare/);
  await bob.getByTestId('request-screenshare').click();
  await seeText(alice, 'permission-request-text', 'bob asks for screenshare', 'alice');
  assert.ok(await bob.getByTestId('permission-request').isHidden(), "bob's own request is not shown to him");
  await alice.getByTestId('grant').click();
  await seeText(alice, 'permission-granted', 'granted', 'alice');
  await seeText(bob, 'capabilities', /My capabilities: .*screenshare/, 'bob');

  // Recording: alice (admin) may record, bob (member) may not; the badge shows on both pages.
  assert.ok(await bob.getByTestId('recording-badge').isHidden());
  assert.ok(await bob.getByTestId('start-recording').isDisabled(), 'bob cannot start a recording');
  await alice.getByTestId('start-recording').click();
  for (const [who, page] of Object.entries(both)) await seeText(page, 'recording-badge', 'Recording', who);
  assert.ok(await alice.getByTestId('start-recording').isDisabled());
  await checkpoint(both, '3-recording');

  // Dominant speaker: bob through the endpoint, then alice through her page's button.
  const bobSession = await bob.locator('[data-testid="participant"][data-local="true"]').getAttribute('data-session-id');
  assert.ok(bobSession, "bob's session id");
  const res = await post(new URL('dominant-speaker', ctx.server!.url).href, JSON.stringify({ callCid: cid, userId: 'bob', sessionId: bobSession }));
  assert.is(res.status, 204);
  for (const [who, page] of Object.entries(both)) {
    await participant(page, 'bob', '[data-dominant="true"]').getByTestId('dominant-marker').waitFor();
    await participant(page, 'alice', '[data-dominant="false"]').waitFor();
    await count(page, '[data-testid="dominant-marker"]', 1, who);
  }
  await alice.getByTestId('speak').click();
  for (const [who, page] of Object.entries(both)) {
    await participant(page, 'alice', '[data-dominant="true"]').getByTestId('dominant-marker').waitFor();
    await participant(page, 'bob', '[data-dominant="false"]').waitFor();
    await count(page, '[data-testid="dominant-marker"]', 1, who);
  }

  // Pin: alice pins bob; pins are local to alice's page.
  await participant(alice, 'bob').getByTestId('pin-button').click();
  await participant(alice, 'bob', '[data-pinned="true"]').getByTestId('pinned-marker').waitFor();
  await seeText(alice, 'pinned-participants', /^Pinned: bob$/, 'alice');
  assert.is(await participant(alice, 'bob').getByTestId('pin-button').textContent(), 'Unpin');
  await seeText(bob, 'pinned-participants', /^Nothing pinned$/, 'bob');
  await count(bob, '[data-testid="pinned-marker"]', 0, 'bob');
  await checkpoint(both, '4-speaker-pinned');

  // Reactions: each page shows the other's on its tile, then the store clears them.
  await alice.getByTestId('react-fireworks').click();
  await bob.getByTestId('react-raised-hand').click();
  for (const [who, page] of Object.entries(both)) {
    await seeText(page, 'tile-reaction', '🎉', who, tileOf(page, 'alice'));
    await seeText(page, 'tile-reaction', '✋', who, tileOf(page, 'bob'));
  }
  await checkpoint(both, '5-reactions');

  // Moderation is on the tiles of the call's admin only (bob is a member).
  await count(bob, '[data-testid="kick-user"], [data-testid="block-user"], [data-testid="mute-audio"]', 0, 'bob');
  assert.ok((await bob.getByTestId('end-call').isHidden()) && (await bob.getByTestId('mute-all').isHidden()), 'bob may not end the call or mute everyone');
  await count(alice, '[data-testid="kick-user"]', 1, 'alice');
  await tileOf(alice, 'bob').getByTestId('kick-user').waitFor();
  // A mute tells bob; a kick takes him out, and he may join again.
  await tileOf(alice, 'bob').getByTestId('mute-audio').click();
  await seeText(bob, 'moderation-notice', 'Alice (alice) muted your microphone', 'bob');
  await tileOf(alice, 'bob').getByTestId('kick-user').click();
  await seeText(bob, 'active-call', /^Not in a call$/, 'bob');
  await seeText(bob, 'moderation-notice', 'Alice (alice) removed you from the call', 'bob');
  await count(alice, '[data-testid="participant"]', 1, 'alice');
  await checkpoint(both, '6-kicked');
  await bob.getByTestId('rejoin').click();
  for (const [who, page] of Object.entries(both)) await count(page, '[data-testid="participant"]', 2, who);
  // A block takes him out, and his join is refused until alice unblocks him.
  await tileOf(alice, 'bob').getByTestId('block-user').click();
  await seeText(bob, 'moderation-notice', 'Alice (alice) blocked you from the call', 'bob');
  await seeText(alice, 'blocked-user', 'bob is blocked', 'alice');
  await bob.getByTestId('rejoin').click();
  await bob.locator('[data-testid="error"][data-code="permission_denied"]').waitFor();
  await seeText(bob, 'active-call', /^Not in a call$/, 'bob');
  await alice.getByTestId('blocked-user').getByTestId('unblock').click();
  await count(alice, '[data-testid="blocked-user"]', 0, 'alice');
  await bob.getByTestId('rejoin').click();
  for (const [who, page] of Object.entries(both)) await count(page, '[data-testid="participant"]', 2, who);
  await checkpoint(both, '7-unblocked-rejoined');

  // Stop recording, then both leave.
  await alice.getByTestId('stop-recording').click();
  for (const page of [alice, bob]) await page.getByTestId('recording-badge').waitFor({ state: 'hidden' });
  await bob.getByTestId('leave').click();
  await seeText(bob, 'active-call', /^Not in a call$/, 'bob');
  await count(alice, '[data-testid="participant"]', 1, 'alice');
  assert.equal(
    await participants(alice),
    [{ userId: 'alice', local: true, markers: ['local-marker', 'dominant-marker'] }],
    'alice alone, still the dominant speaker',
  );
  await alice.getByTestId('leave').click();
  await seeText(alice, 'active-call', /^Not in a call$/, 'alice');
  for (const [who, page] of Object.entries(both)) {
    await count(page, '[data-testid="participant"]', 0, who);
    assert.ok(await page.getByTestId('error').isHidden(), `${who}'s page shows an error: ${await page.getByTestId('error').textContent()}`);
    await seeText(page, 'connection-state', /^connected$/, who);
  }
  await checkpoint(both, '8-left');
  // The one refused request (bob's join while blocked, 403) is the only thing the console reports.
  const refused = b.errors.filter((e) => / 403 /.test(e));
  assert.is(refused.length, 1, "the blocked join's refusal");
  assert.equal([...a.errors, ...b.errors.filter((e) => !refused.includes(e))], [], 'no other errors in the pages');
});

test.run();
