import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectAccessible, freshPage, newPerson, signUp, startBrowserShop, type BrowserShop } from './support/shop.js';

let shop: BrowserShop | string;

beforeAll(async () => {
  shop = await startBrowserShop();
}, 120_000);
afterAll(async () => {
  if (typeof shop !== 'string') await shop.stop();
});

async function addToCart(page: Page, sku: string, quantity = 1): Promise<void> {
  await page.goto(`/products/${sku}`);
  await page.getByLabel('Quantity').fill(String(quantity));
  await page.getByRole('button', { name: 'Add to cart' }).click();
  await page.getByRole('link', { name: 'Go to the cart' }).waitFor();
}

/** The orders the person sees on My orders. */
async function orderCount(page: Page): Promise<number> {
  await page.goto('/orders');
  await page.getByRole('heading', { name: 'My orders' }).waitFor();
  await page.locator('.orders, :text("No orders yet.")').first().waitFor();
  return page.locator('.orders li').count();
}

describe('browser: shopping', { timeout: 120_000 }, () => {
  it('adds to the cart, checks out at the charged prices, sees the order and then its notification', async (ctx) => {
    if (typeof shop === 'string') return ctx.skip(shop);
    if (shop.signInMissing !== undefined) return ctx.skip(shop.signInMissing);
    const { context, page, errors } = await freshPage(shop);
    await page.goto('/');
    await signUp(page, newPerson());
    await addToCart(page, 'mug-001', 2);
    await page.goto('/cart');
    await expectAccessible(page);
    await page.getByRole('link', { name: 'Go to checkout' }).click();
    await expectAccessible(page);
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('heading', { name: 'Thank you: order placed' }).waitFor();
    // mug-001 is seeded at 12.00 EUR: two of them.
    expect(await page.getByTestId('total').innerText()).toBe('€24.00');
    expect(await page.getByTestId('trace-link').innerText()).toContain('checkout');
    await expectAccessible(page);

    const orderLink = page.getByRole('link', { name: /^[0-9a-f-]{36}$/ });
    const orderId = await orderLink.innerText();
    await orderLink.click();
    await page.getByText(new RegExp(`^Order ${orderId}`)).waitFor();
    await expectAccessible(page);

    await page.goto('/notifications');
    await page.getByText('Watching for new notifications…').waitFor();
    await page.locator('.notifications li').first().waitFor({ timeout: 30_000 });
    await expectAccessible(page);
    expect(errors).toEqual([]);
    await context.close();
  });

  it('places one order for a double click, and for a retry after the answer was lost', async (ctx) => {
    if (typeof shop === 'string') return ctx.skip(shop);
    if (shop.signInMissing !== undefined) return ctx.skip(shop.signInMissing);
    const { context, page } = await freshPage(shop);
    await page.goto('/');
    await signUp(page, newPerson());

    await addToCart(page, 'tea-01');
    await page.goto('/checkout');
    await page.getByRole('button', { name: 'Place order' }).dblclick();
    await page.getByRole('heading', { name: 'Thank you: order placed' }).waitFor();
    expect(await orderCount(page)).toBe(1);

    // The order is placed, but its answer never reaches the browser: the retry sends the same key.
    await addToCart(page, 'sticker-3');
    await page.goto('/checkout');
    const keys: string[] = [];
    let lost = false;
    await page.route('**/api/orders', async (route) => {
      keys.push(route.request().headers()['idempotency-key'] ?? '');
      if (lost) return route.continue();
      lost = true;
      await route.fetch();
      await route.abort('connectionreset');
    });
    await page.getByRole('button', { name: 'Place order' }).click();
    await page.getByRole('button', { name: 'Try again' }).click();
    await page.getByRole('heading', { name: 'Thank you: order placed' }).waitFor();
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
    await page.unroute('**/api/orders');
    expect(await orderCount(page)).toBe(2);
    await context.close();
  });

  it('names the retired item that stops a checkout', async (ctx) => {
    if (typeof shop === 'string') return ctx.skip(shop);
    if (shop.signInMissing !== undefined) return ctx.skip(shop.signInMissing);
    const { context, page } = await freshPage(shop);
    await page.goto('/');
    await signUp(page, newPerson());
    // Put in the cart before it was retired: poster-21 is seeded as no longer sold.
    await page.evaluate(() =>
      (globalThis as unknown as { localStorage: { setItem(key: string, value: string): void } }).localStorage.setItem(
        'shop.cart',
        JSON.stringify([
          { sku: 'poster-21', name: 'Poster, first edition', priceCents: 3500, currency: 'EUR', quantity: 1 },
        ]),
      ),
    );
    await page.goto('/checkout');
    await page.getByRole('button', { name: 'Place order' }).click();
    const alert = page.getByRole('alert');
    await alert.getByText('These items can no longer be ordered:').waitFor();
    expect(await alert.innerText()).toContain('Poster, first edition (poster-21)');
    await expectAccessible(page);
    await context.close();
  });

  it("does not show another person's order typed into the address bar", async (ctx) => {
    if (typeof shop === 'string') return ctx.skip(shop);
    if (shop.signInMissing !== undefined) return ctx.skip(shop.signInMissing);
    const owner = await freshPage(shop);
    await owner.page.goto('/');
    await signUp(owner.page, newPerson());
    await addToCart(owner.page, 'cap-007');
    await owner.page.goto('/checkout');
    await owner.page.getByRole('button', { name: 'Place order' }).click();
    const orderId = await owner.page.getByRole('link', { name: /^[0-9a-f-]{36}$/ }).innerText();

    const other = await freshPage(shop);
    await other.page.goto('/');
    await signUp(other.page, newPerson());
    await other.page.goto(`/orders/${orderId}`);
    await other.page.getByText(`You have no order ${orderId}.`).waitFor();
    expect(await other.page.getByText('Total charged').count()).toBe(0);
    await expectAccessible(other.page);
    await owner.context.close();
    await other.context.close();
  });
});
