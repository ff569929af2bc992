import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectAccessible,
  freshPage,
  newPerson,
  signIn,
  signUp,
  startBrowserShop,
  type BrowserShop,
} from './support/shop.js';

let shop: BrowserShop | string;

beforeAll(async () => {
  shop = await startBrowserShop();
}, 120_000);
afterAll(async () => {
  if (typeof shop !== 'string') await shop.stop();
});

interface WebStorage {
  getItem(key: string): string | null;
  setItem(key: string, value: string): void;
}

/** Rewrites the tokens oidc-client-ts keeps in sessionStorage (`oidc.user:<issuer>:<client>`). */
async function editStoredUser(page: Page, change: { expired?: boolean; refreshToken?: string }): Promise<void> {
  // A refresh may be replacing the stored user right now (a busy machine makes that window wider).
  await page.waitForFunction(() =>
    Object.keys((globalThis as unknown as { sessionStorage: WebStorage }).sessionStorage).some((k) =>
      k.startsWith('oidc.user:'),
    ),
  );
  await page.evaluate((c) => {
    // Runs in the page; the tests' own types have no DOM.
    const sessionStorage = (globalThis as unknown as { sessionStorage: WebStorage }).sessionStorage;
    const key = Object.keys(sessionStorage).find((k) => k.startsWith('oidc.user:'));
    if (key === undefined) throw new Error('no stored user');
    const user = JSON.parse(sessionStorage.getItem(key)!) as Record<string, unknown>;
    if (c.expired === true) user.expires_at = Math.floor(Date.now() / 1000) - 60;
    if (c.refreshToken !== undefined) user.refresh_token = c.refreshToken;
    sessionStorage.setItem(key, JSON.stringify(user));
  }, change);
}

describe('browser: accounts', { timeout: 120_000 }, () => {
  it('signs up (the profile is created on first sign-in), signs out, signs in again', async (ctx) => {
    if (typeof shop === 'string') return ctx.skip(shop);
    if (shop.signInMissing !== undefined) return ctx.skip(shop.signInMissing);
    const { context, page, errors } = await freshPage(shop);
    const person = newPerson();
    await page.goto('/account');
    await signUp(page, person);
    await page.getByRole('heading', { name: 'My account' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/account');
    await expect.poll(() => page.getByText(person.email.split('@')[0]!, { exact: true }).isVisible()).toBe(true);
    await expectAccessible(page);

    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('button', { name: 'Yes, sign me out' }).click();
    await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
    await page.goto('/orders');
    await page.getByRole('button', { name: 'Sign in again' }).waitFor();

    await signIn(page, person);
    await page.getByRole('heading', { name: 'My orders' }).waitFor();
    await page.getByText('No orders yet.').waitFor();
    expect(errors).toEqual([]);
    await context.close();
  });

  it('refreshes an expired session without asking; when the refresh is refused, asks to sign in again and comes back', async (ctx) => {
    if (typeof shop === 'string') return ctx.skip(shop);
    if (shop.signInMissing !== undefined) return ctx.skip(shop.signInMissing);
    const { context, page } = await freshPage(shop);
    const person = newPerson();
    await page.goto('/orders');
    await signUp(page, person);
    await page.getByText('No orders yet.').waitFor();

    // The page's calls share one refresh: the provider rotates refresh tokens and revokes the grant
    // when one is used twice (seen on a busy machine as a signed-out person after a reload).
    const refreshes: string[] = [];
    page.on('request', (request) => {
      if (request.method() === 'POST' && new URL(request.url()).pathname.endsWith('/token'))
        refreshes.push(request.url());
    });
    await editStoredUser(page, { expired: true });
    await page.reload();
    await page.getByText('No orders yet.').waitFor();
    expect(await page.getByRole('button', { name: 'Sign in again' }).count()).toBe(0);
    expect(refreshes).toHaveLength(1);

    await editStoredUser(page, { expired: true, refreshToken: 'revoked-refresh-token' });
    await page.reload();
    await page.getByRole('button', { name: 'Sign in again' }).click();
    // The provider's session is still open: it sends the browser straight back, or asks once more.
    // Wait for whichever comes (checking at once raced the provider's page on a busy machine).
    const settle = (p: Promise<void>): Promise<void> => p.catch(() => undefined);
    await Promise.race([
      settle(page.getByLabel('Password').waitFor()),
      settle(page.getByText('No orders yet.').waitFor()),
    ]);
    if (await page.getByLabel('Password').isVisible()) {
      await page.getByLabel('Email').fill(person.email);
      await page.getByLabel('Password').fill(person.password);
      await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    }
    await page.getByText('No orders yet.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/orders');
    await context.close();
  });
});
