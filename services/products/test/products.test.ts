import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp } from '../src/app.js';

const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
let db: TestDatabase;
let pool: pg.Pool;
let app: ReturnType<typeof createApp>['app'];

beforeAll(async () => {
  db = await createTestDatabase('products');
  // As the service runs: migrated by the owner, served by the DML-only runtime role.
  await migrate(db.ownerUrl, migrations, silentLogger());
  pool = new pg.Pool({ connectionString: db.runtimeUrl });
  app = createApp({ pool, logger: silentLogger() }).app;
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

const fields = (body: { errors: { field: string }[] }): string[] => body.errors.map((e) => e.field).sort();

describe('GET /products', () => {
  it('pages through every active product once, in sku order, and never lists a retired one', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const res = await request(app)
        .get('/products')
        .query({ limit: 3, ...(cursor === null ? {} : { cursor }) });
      expect(res.status).toBe(200);
      expect(res.body.items.length).toBeLessThanOrEqual(3);
      seen.push(...res.body.items.map((p: { sku: string }) => p.sku));
      cursor = res.body.nextCursor;
      pages += 1;
    } while (cursor !== null && pages < 10);
    const { rows } = await pool.query<{ sku: string }>(
      'SELECT sku FROM products WHERE active ORDER BY sku COLLATE "C"',
    );
    expect(seen).toEqual(rows.map((r) => r.sku));
    expect(seen).not.toContain('poster-21');
    expect(pages).toBe(Math.ceil(rows.length / 3));
  });

  it('shows sku, name, price and currency', async () => {
    const res = await request(app).get('/products').query({ limit: 100 });
    expect(res.body.items).toContainEqual({
      sku: 'tea-01',
      name: 'Sencha tea, 100 g',
      priceCents: 450,
      currency: 'EUR',
      active: true,
    });
    expect(res.body.nextCursor).toBeNull();
  });

  it.each([
    ['a limit above the cap', { limit: 101 }, ['query.limit']],
    ['a limit of 0', { limit: 0 }, ['query.limit']],
    ['a limit that is no number', { limit: 'ten' }, ['query.limit']],
    ['a forged cursor', { cursor: 'not a cursor' }, ['query.cursor']],
    ['an unknown parameter', { sort: 'price' }, ['query.sort']],
  ])('answers 400 naming the parameter for %s', async (_name, query, expected) => {
    const res = await request(app).get('/products').query(query);
    expect(res.status).toBe(400);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(fields(res.body)).toEqual(expected);
  });
});

describe('GET /internal/products?sku=…: the batched lookup orders prices with', () => {
  it('answers the known skus, retired ones included (marked inactive), and leaves unknown ones out', async () => {
    const res = await request(app).get('/internal/products?sku=tea-01&sku=poster-21&sku=nope&sku=tea-01');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      items: [
        { sku: 'poster-21', name: 'Poster, first edition', priceCents: 3_500, currency: 'EUR', active: false },
        { sku: 'tea-01', name: 'Sencha tea, 100 g', priceCents: 450, currency: 'EUR', active: true },
      ],
    });
  });

  it('answers 400 naming the parameter for a malformed sku, too many skus, or paging mixed in', async () => {
    const malformed = await request(app).get('/internal/products?sku=a%20b');
    expect(malformed.status).toBe(400);
    expect(fields(malformed.body)).toEqual(['query.sku.0']);
    const many = Array.from({ length: 101 }, (_, i) => `sku=s${i}`).join('&');
    const tooMany = await request(app).get(`/internal/products?${many}`);
    expect(tooMany.status).toBe(400);
    expect(fields(tooMany.body)).toEqual(['query.sku']);
    const mixed = await request(app).get('/internal/products?sku=tea-01&limit=2');
    expect(mixed.status).toBe(400);
    expect(fields(mixed.body)).toEqual(['query.limit']);
  });

  it('is not on the public list path: GET /products?sku=… (what /api/products?sku=… reaches) is a 400', async () => {
    const res = await request(app).get('/products?sku=tea-01&sku=poster-21');
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(['query.sku']);
    expect(res.body.items).toBeUndefined();
  });
});

describe('GET /products/:sku', () => {
  it('answers a product, a retired one marked inactive, and 404 problem+json for an unknown sku', async () => {
    const mug = await request(app).get('/products/mug-001');
    expect(mug.body).toEqual({ sku: 'mug-001', name: 'Mug', priceCents: 1_200, currency: 'EUR', active: true });
    expect((await request(app).get('/products/poster-21')).body.active).toBe(false);
    const missing = await request(app).get('/products/unknown-1');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toMatch(/^application\/problem\+json/);
  });

  it('answers 400 naming the param for a malformed sku', async () => {
    const res = await request(app).get('/products/bad%20sku');
    expect(res.status).toBe(400);
    expect(fields(res.body)).toEqual(['sku']);
  });
});

describe('the catalogue in the database', () => {
  it('refuses a price of zero or below and a malformed currency', async () => {
    await expect(
      pool.query("INSERT INTO products (sku, name, price_cents, currency) VALUES ('free', 'Free', 0, 'EUR')"),
    ).rejects.toThrow(/check constraint/);
    await expect(
      pool.query("INSERT INTO products (sku, name, price_cents, currency) VALUES ('x', 'X', 1, 'euro')"),
    ).rejects.toThrow(/check constraint/);
  });
});
