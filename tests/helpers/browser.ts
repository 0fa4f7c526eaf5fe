import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

/** Debian's headless shell (the real binary, not the /usr/bin wrapper, so no `sh` sits between us and it). */
export const CHROMIUM_PATH = process.env.CHROMIUM_PATH ?? '/usr/lib/chromium/chromium-headless-shell';
const INSTALL_HINT = 'apt-get install -y chromium-headless-shell fonts-dejavu-core fonts-liberation';

/**
 * No browser can be downloaded here, so the dashboard suites use Debian's and install it
 * when it is missing (root on Debian); anything else fails loudly, never skips.
 */
export function ensureBrowser(): string {
  if (existsSync(CHROMIUM_PATH)) return CHROMIUM_PATH;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root) throw new Error(`the dashboard tests need ${CHROMIUM_PATH} and this user cannot install it; run: ${INSTALL_HINT}`);
  try {
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium-headless-shell', 'fonts-dejavu-core', 'fonts-liberation'], {
      stdio: 'ignore',
      env,
    });
  } catch (err) {
    throw new Error(`installing Chromium for the dashboard tests failed (${(err as Error).message}); run: ${INSTALL_HINT}`, { cause: err });
  }
  if (!existsSync(CHROMIUM_PATH))
    throw new Error(`apt installed chromium-headless-shell but ${CHROMIUM_PATH} is missing; set CHROMIUM_PATH`);
  return CHROMIUM_PATH;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({ executablePath: ensureBrowser(), args: ['--no-sandbox'], timeout: 30_000 });
}

/**
 * One browser per file, a fresh context (storage, sessionStorage token) per test. `page()`
 * is the current test's page.
 */
export function withBrowser(): { page(): Page; browser(): Browser } {
  let browser: Browser | undefined;
  let context: BrowserContext | undefined;
  let page: Page | undefined;
  const pageErrors: string[] = [];
  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });
  beforeEach(async () => {
    context = await browser!.newContext({ viewport: { width: 1280, height: 800 } });
    page = await context.newPage();
    // An uncaught error in the page is a dashboard bug: the test that caused it fails.
    page.on('pageerror', (err) => pageErrors.push(err.message));
  });
  afterEach(async () => {
    await context?.close();
    expect(pageErrors.splice(0)).toEqual([]);
  });
  return { page: () => page!, browser: () => browser! };
}

/** Where screenshots go: SLIPWAY_SCREENSHOT_DIR (docs/screenshots to refresh the README's), else a temp folder. */
export const SCREENSHOT_DIR = process.env.SLIPWAY_SCREENSHOT_DIR ?? path.join(os.tmpdir(), 'slipway-dashboard-screenshots');

/** The page at 1280 px and at 390 px (a phone), full length; the viewport goes back to 1280 after. */
export async function screenshots(page: Page, name: string): Promise<string[]> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const files = [path.join(SCREENSHOT_DIR, `${name}-1280.png`), path.join(SCREENSHOT_DIR, `${name}-390.png`)];
  await page.screenshot({ path: files[0], fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: files[1], fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  return files;
}

/** Signs in through the form, the way a person does, and waits for the deployments list. */
export async function signIn(page: Page, apiUrl: string, token: string, hash = ''): Promise<void> {
  await page.goto(`${apiUrl}/dashboard/${hash}`);
  await page.getByLabel('Token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.locator('#nav', { hasText: 'Sign out' }).waitFor();
}

/** Waits until `selector` holds `text` (jest has no auto-retrying text matcher). */
export async function waitForText(page: Page, selector: string, text: string | RegExp, timeout = 60_000): Promise<void> {
  await page.locator(selector, { hasText: text }).first().waitFor({ timeout });
}
