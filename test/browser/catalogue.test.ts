import { mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectScripts, expectAccessible, freshPage, startBrowserShop, type BrowserShop } from './support/shop.js';

/** The budget: what the browser loads for the catalogue page, gzipped. */
const SCRIPT_BUDGET_BYTES = 150_000;
const screenshot = fileURLToPath(new URL('../../docs/images/shop.png', import.meta.url));

let shop: BrowserShop | string;

beforeAll(async () => {
  shop = await startBrowserShop();
}, 120_000);
afterAll(async () => {
  if (typeof shop !== 'string') await shop.stop();
});

describe('browser: the catalogue, signed out', { timeout: 120_000 }, () => {
  it('is usable quickly, within the script budget, browsable page by page, accessible, without CSP violations', async (ctx) => {
    if (typeof shop === 'string') return ctx.skip(shop);
    const { context, page, errors } = await freshPage(shop);
    const scripts = collectScripts(page);
    const started = performance.now();
    await page.goto('/');
    await page.getByRole('link', { name: 'Next page' }).waitFor();
    const usableMs = Math.round(performance.now() - started);
    const gzipped = await scripts.gzippedBytes();
    console.log(`catalogue: usable after ${usableMs} ms, scripts ${gzipped} B gzipped`);
    expect(gzipped).toBeGreaterThan(0);
    expect(gzipped).toBeLessThanOrEqual(SCRIPT_BUDGET_BYTES);
    await expectAccessible(page);
    mkdirSync(fileURLToPath(new URL('.', `file://${screenshot}`)), { recursive: true });
    await page.screenshot({ path: screenshot });

    const first = await page.locator('.products li a').allInnerTexts();
    await page.getByRole('link', { name: 'Next page' }).click();
    await page.getByText('Page 2').waitFor();
    // The page number shows before the next page's items have arrived: wait for them.
    const items = page.locator('.products li a');
    await expect
      .poll(
        async () => {
          const names = await items.allInnerTexts();
          return names.length > 0 && names.every((name) => !first.includes(name));
        },
        { timeout: 10_000 },
      )
      .toBe(true);
    const second = await page.locator('.products li a').allInnerTexts();
    expect(second.length).toBeGreaterThan(0);
    expect(second.filter((name) => first.includes(name))).toEqual([]);
    await page.getByRole('link', { name: 'First page' }).click();
    await page.getByText('Page 1').waitFor();
    await expect.poll(() => page.locator('.products li a').allInnerTexts(), { timeout: 10_000 }).toEqual(first);

    await page.getByRole('link', { name: first[0]! }).click();
    await page.getByRole('heading', { name: first[0]! }).waitFor();
    await expectAccessible(page);
    // Each action links to its trace in Jaeger.
    expect(await page.getByTestId('trace-link').getAttribute('href')).toMatch(/\/trace\/[0-9a-f]{32}$/);
    expect(await page.getByTestId('release').innerText()).toMatch(/^web \S+ · storefront/);
    expect(errors).toEqual([]);
    await context.close();
  });
});
