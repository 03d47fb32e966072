/**
 * A page with the SDK for Chromium tests of the device layer: a local coordinator that also
 * serves `/sdk/` (an empty page) and `/sdk/sdk.js` (test/helpers/sdk-page-entry.ts bundled for
 * the browser: `window.sdk`, `SimulatedDevices`, `CountingPeerConnection`). Tests drive the
 * pages with `page.evaluate`, or with {@link evaluateWithoutGesture} where a user gesture would
 * change what they test (autoplay: Playwright's `evaluate` counts as one).
 *
 * ```ts
 * const server = await startSdkPageServer();
 * const page = await openSdkPage(session, server);
 * await server.close();
 * ```
 */
import { join } from 'node:path';
import type { CDPSession, Page } from 'playwright-core';
import { bundleForBrowser } from '../../examples/demo-page/demo-server';
import { LocalCoordinator } from '../../src/testing/local-coordinator';
import { launch, type BrowserSession } from './browser';

/** A running page server. */
export interface SdkPageServer {
  /** The page, `baseUrl + '/sdk/'`. */
  readonly url: string;
  readonly coordinator: LocalCoordinator;
  close(): Promise<void>;
}

const HTML = '<!doctype html><html><head><meta charset="utf-8"><title>sdk</title></head><body><script type="module" src="/sdk/sdk.js"></script></body></html>';

/** Starts the coordinator with the page's routes. */
export async function startSdkPageServer(): Promise<SdkPageServer> {
  const { code } = await bundleForBrowser(join(import.meta.dirname, 'sdk-page-entry.ts'));
  const coordinator = await LocalCoordinator.start({
    port: 0,
    host: '127.0.0.1',
    httpHandler: (req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const body = path === '/sdk/' ? HTML : path === '/sdk/sdk.js' ? code : undefined;
      if (body === undefined) return false;
      res.writeHead(200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : 'text/html', 'cache-control': 'no-store' }).end(body);
      return true;
    },
  });
  return { url: `${coordinator.baseUrl}/sdk/`, coordinator, close: () => coordinator.close() };
}

/** Options of {@link openSdkPage}. */
export interface SdkPageOptions {
  /** Grant camera and microphone (default true). */
  media?: boolean;
  /** Chromium's media switches, when this opens the session's browser (default `mediaArgs()`). */
  args?: readonly string[];
  /**
   * Touch the page only through {@link evaluateWithoutGesture} (default false): Playwright's
   * locators and `evaluate` give the page a user activation, which lifts the autoplay block.
   */
  withoutGesture?: boolean;
}

/** A fresh context and page at the server's page, its errors collected. */
export async function openSdkPage(session: BrowserSession, server: SdkPageServer, options: SdkPageOptions = {}): Promise<{ page: Page; errors: string[] }> {
  const browser = await launch(session, options.args ?? true);
  const context = await browser.newContext({ ...(options.media !== false ? { permissions: ['camera', 'microphone'] } : {}) });
  session.contexts.push(context);
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const errors: string[] = [];
  page.on('pageerror', (err) => errors.push(err.message));
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  await page.goto(server.url);
  if (!options.withoutGesture) await page.locator('body[data-ready="true"]').waitFor({ state: 'attached' });
  else await evaluateWithoutGesture(page, `new Promise((resolve) => { const check = () => (window.join ? resolve(true) : setTimeout(check, 20)); check(); })`);
  return { page, errors };
}

const cdpSessions = new WeakMap<Page, Promise<CDPSession>>();

/**
 * Evaluates `expression` in the page as a script would, without the user gesture Playwright's
 * `evaluate` grants (it passes `userGesture: true`, which would lift the autoplay block the
 * test looks at). Awaits a promise; the value comes back as JSON.
 */
export async function evaluateWithoutGesture<T>(page: Page, expression: string): Promise<T> {
  let cdp = cdpSessions.get(page);
  if (!cdp) cdpSessions.set(page, (cdp = page.context().newCDPSession(page)));
  const { result, exceptionDetails } = (await (
    await cdp
  ).send('Runtime.evaluate', { expression, awaitPromise: true, returnByValue: true, userGesture: false })) as {
    result: { value?: unknown };
    exceptionDetails?: { exception?: { description?: string }; text?: string };
  };
  if (exceptionDetails) throw new Error(`in the page: ${exceptionDetails.exception?.description ?? exceptionDetails.text}`);
  return result.value as T;
}
