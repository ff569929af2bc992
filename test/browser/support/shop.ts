import { gzipSync } from 'node:zlib';
import AxeBuilder from '@axe-core/playwright';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { expect, onTestFailed } from 'vitest';
import { startStack, type StackProcess } from '../../../test-support/stack-process.js';
import { chromiumMissing, launchChromium } from './chromium.js';

/** The name under which `npm run stack` prints the gateway's URL (what a browser opens). */
export const GATEWAY = 'gateway';

/** The shop in a browser: the local stack's gateway (or SHOP_URL), and Chromium. */
export interface BrowserShop {
  readonly url: string;
  readonly browser: Browser;
  /** Why nobody can sign in through this shop, or undefined when its OpenID provider answers. */
  readonly signInMissing: string | undefined;
  stop(): Promise<void>;
}

/**
 * Starts what the journeys need, or answers why they cannot run here: Chromium missing, or a stack
 * that serves no gateway. SHOP_URL points the journeys at a shop that already runs (a port-forward
 * to a cluster's gateway, `npm run stack` in another terminal).
 */
export async function startBrowserShop(): Promise<BrowserShop | string> {
  const missing = chromiumMissing();
  if (missing !== undefined) return missing;
  let stack: StackProcess | undefined;
  let url = process.env.SHOP_URL;
  if (url === undefined) {
    stack = await startStack();
    url = stack.urls[GATEWAY];
    if (url === undefined) {
      await stack.stop();
      return `the local stack printed no '${GATEWAY}' URL (it serves the shop's gateway once the gateway model runs in it)`;
    }
  }
  url = url.replace(/\/$/, '');
  const browser = await launchChromium();
  return {
    url,
    browser,
    signInMissing: await signInMissing(url),
    async stop() {
      await browser.close();
      await stack?.stop();
    },
  };
}

/**
 * The app signs in at the issuer web's /config.json names, sending the browser back to
 * `<its origin>/callback`: that works only when the provider answers there, on the shop's origin.
 */
async function signInMissing(url: string): Promise<string | undefined> {
  const { issuer } = (await (await fetch(`${url}/config.json`)).json()) as { issuer: string };
  if (new URL(issuer).origin !== new URL(url).origin) {
    return `the shop at ${url} signs in at ${issuer}, another origin than its own`;
  }
  const discovery = await fetch(`${issuer}/.well-known/openid-configuration`);
  return discovery.ok ? undefined : `no OpenID provider answers at ${issuer} (discovery: ${discovery.status})`;
}

/** A page in a fresh context (axe-core needs one from browser.newContext()), failing on script errors and CSP reports. */
export async function freshPage(shop: BrowserShop): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await shop.browser.newContext({ baseURL: shop.url });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('pageerror', (error) => errors.push(String(error)));
  // A journey that fails says what the person saw, and what the shop answered with an error.
  const answers: string[] = [];
  page.on('response', (response) => {
    if (response.status() >= 400) answers.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  onTestFailed(async () => {
    const text = await page
      .locator('body')
      .innerText({ timeout: 2_000 })
      .catch(() => '(no page)');
    process.stderr.write(
      `journey failed on ${page.url()}; the page showed:\n${text.slice(0, 1_500)}\nerror answers: ${answers.slice(-20).join('; ') || 'none'}\n`,
    );
  });
  page.on('console', (message) => {
    // A Content Security Policy violation is reported on the console.
    if (message.type() === 'error' && /Content Security Policy/i.test(message.text())) errors.push(message.text());
  });
  return { context, page, errors };
}

/** axe-core on the page as it is: no serious or critical violation. */
export async function expectAccessible(page: Page): Promise<void> {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const grave = violations
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map(
      (v) =>
        `${v.impact} ${v.id} on ${new URL(page.url()).pathname}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`,
    );
  expect(grave).toEqual([]);
}

let counter = 0;

/** A new person's credentials, unique across runs and stacks. */
export function newPerson(): { email: string; password: string } {
  counter += 1;
  return {
    email: `shopper-${Date.now().toString(36)}-${process.pid}-${counter}@example.com`,
    password: `correct horse ${counter} battery staple`,
  };
}

/** From the shop's Sign in button through the provider's sign-up form, back to the page the person was on. */
export async function signUp(page: Page, person: { email: string; password: string }): Promise<void> {
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('link', { name: 'Sign up' }).click();
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Create account' }).click();
  await expect.poll(() => page.getByText(person.email).isVisible(), { timeout: 15_000 }).toBe(true);
  await signedInPage(page);
}

export async function signIn(page: Page, person: { email: string; password: string }): Promise<void> {
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByLabel('Email').fill(person.email);
  await page.getByLabel('Password').fill(person.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await expect.poll(() => page.getByText(person.email).isVisible(), { timeout: 15_000 }).toBe(true);
  await signedInPage(page);
}

/** The callback has finished (the profile exists in users) and left for the person's page. */
async function signedInPage(page: Page): Promise<void> {
  await expect.poll(() => new URL(page.url()).pathname, { timeout: 15_000 }).not.toBe('/callback');
}

/** The scripts a page load fetches; `gzippedBytes` sums them gzipped, as a server would send them. */
export function collectScripts(page: Page): { gzippedBytes(): Promise<number> } {
  const bodies: Promise<Buffer>[] = [];
  page.on('response', (response) => {
    if (response.request().resourceType() === 'script') bodies.push(response.body());
  });
  return {
    async gzippedBytes() {
      return (await Promise.all(bodies)).reduce((sum, body) => sum + gzipSync(body, { level: 9 }).length, 0);
    },
  };
}
