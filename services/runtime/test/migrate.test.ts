import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { silentLogger } from '../../../test-support/silent-logger.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('migrate');
});
afterAll(async () => {
  await db.drop();
});

describe('migrate', () => {
  it('is safe when several replicas start at once: each migration applies exactly once', async () => {
    const dir = fileURLToPath(new URL('../../orders/migrations', import.meta.url));
    const results = await Promise.allSettled(Array.from({ length: 6 }, () => migrate(db.url, dir, silentLogger())));
    expect(results.map((r) => r.status)).toEqual(Array(6).fill('fulfilled'));
    const client = new pg.Client({ connectionString: db.url });
    await client.connect();
    const applied = await client.query<{ name: string }>('SELECT name FROM pgmigrations ORDER BY id');
    const tables = await client.query<{ table_name: string }>(
      "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY table_name",
    );
    await client.end();
    expect(applied.rows.map((r) => r.name)).toEqual([
      '001_orders',
      '002_order_reservations',
      '003_outbox_claims',
      '004_server_side_prices',
    ]);
    expect(tables.rows.map((r) => r.table_name)).toEqual(['orders', 'outbox', 'pgmigrations']);
  });
});
