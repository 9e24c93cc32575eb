import { createRequire } from 'node:module';
import { mkdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { expect } from 'vitest';

const require = createRequire(import.meta.url);
const axeSource = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
/** Screenshots go to a temporary folder; `KB_SCREENSHOT_DIR=docs/screenshots` refreshes the README's. */
export const screenshotDir = path.resolve(process.env.KB_SCREENSHOT_DIR ?? path.join(tmpdir(), 'kommunebro-screenshots'));

/** Debian's Chromium, never a downloaded browser (.ci/run installs the package when missing). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.KB_CHROMIUM ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--headless', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

/** A page for one person, in a browser context of its own (cookies are per host, not per port). */
export async function personPage(browser: Browser): Promise<Page> {
  const context = await browser.newContext({ locale: 'da-DK', timezoneId: 'Europe/Copenhagen', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && !/status of 4\d\d/.test(m.text())) problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  (page as Page & { problems: string[] }).problems = problems;
  return page;
}

/** Browser errors seen so far, including CSP violations (they are console errors). */
export const browserProblems = (page: Page) =>
  // The test identity provider's own login page asks for a web font; offline that fails, and it is not ours.
  (page as Page & { problems: string[] }).problems.filter((p) => !/fonts\.googleapis|ERR_NAME_NOT_RESOLVED|ERR_INTERNET_DISCONNECTED/.test(p));

/** axe-core inside the page (evaluated through DevTools, so the page's CSP stays strict): no serious or critical violation. */
export async function expectAccessible(page: Page, what: string): Promise<void> {
  await page.evaluate(axeSource);
  const violations = await page.evaluate(async () => {
    const result = await (window as unknown as { axe: { run: (o: object) => Promise<{ violations: { id: string; impact: string; nodes: { target: string[] }[] }[] }> } }).axe.run({ runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  expect(violations.filter((v) => v.impact === 'serious' || v.impact === 'critical'), what).toEqual([]);
}

export async function shot(page: Page, name: string): Promise<void> {
  mkdirSync(screenshotDir, { recursive: true });
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage: true });
}

/** Logs in on a node's console with a token, as a person would: typing it into the login form. */
export async function tokenLogin(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('Adgangsnøgle').fill(token);
  await page.getByRole('button', { name: 'Log ind med nøgle' }).click();
  await page.getByRole('button', { name: 'Log ud' }).waitFor();
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}
