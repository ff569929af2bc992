/**
 * The local stack runs each service as the cluster does (issue 20, finding 7): as its database's
 * DML-only runtime role, migrating as the owner role, never as the PostgreSQL admin.
 */
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { dropDatabases, ensureDatabases } from '../scripts/stack/databases.js';
import { planStack } from '../scripts/stack/plan.js';
import { migrate } from '@mesh-kit/runtime';
import { silentLogger } from '../test-support/silent-logger.js';
import { sqlStateOf } from '../test-support/databases.js';

const prefix = `sdb_${randomBytes(3).toString('hex')}_`;
let env: Readonly<Record<string, string>>;
let database: string;

beforeAll(async () => {
  const { postgresAdminUrl } = inject('backing');
  const [products] = planStack({
    postgresAdminUrl,
    natsUrl: 'nats://127.0.0.1:1',
    databasePrefix: prefix,
    portOffset: 0,
    host: '127.0.0.1',
    sharedEnv: {},
    only: ['products'],
  });
  env = products!.env;
  database = products!.database!;
  await ensureDatabases(postgresAdminUrl, [database]);
  // Twice, as two stacks starting together would: nothing fails the second time.
  await ensureDatabases(postgresAdminUrl, [database]);
  await migrate(
    env.DATABASE_MIGRATION_URL!,
    fileURLToPath(new URL('../services/products/migrations', import.meta.url)),
    silentLogger(),
  );
});

afterAll(async () => {
  if (database !== undefined) await dropDatabases(inject('backing').postgresAdminUrl, [database]);
});

describe("the local stack's database roles", () => {
  it('serve each service as a role that is no superuser, and migrate as another', async () => {
    const admin = new URL(inject('backing').postgresAdminUrl).username;
    const runtime = new URL(env.DATABASE_URL!).username;
    const owner = new URL(env.DATABASE_MIGRATION_URL!).username;
    expect(new Set([admin, runtime, owner]).size).toBe(3);
    const client = new pg.Client({ connectionString: env.DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query<{ super: boolean; createdb: boolean; limit: number; timeout: string }>(
        `SELECT rolsuper AS super, rolcreatedb AS createdb, rolconnlimit AS limit,
                current_setting('statement_timeout') AS timeout
           FROM pg_roles WHERE rolname = current_user`,
      );
      expect(rows[0]).toMatchObject({ super: false, createdb: false });
      expect(rows[0]!.limit).toBeGreaterThan(0);
      expect(rows[0]!.timeout).toBe(`${catalog.runtimeRole.statementTimeoutMs / 1000}s`);
    } finally {
      await client.end();
    }
  });

  it('let the runtime role read and write the migrated tables, never create, alter or drop one', async () => {
    expect(await sqlStateOf(env.DATABASE_URL!, 'SELECT count(*) FROM products')).toBe('ok');
    expect(await sqlStateOf(env.DATABASE_URL!, "UPDATE products SET name = name WHERE sku = 'mug-001'")).toBe('ok');
    expect(await sqlStateOf(env.DATABASE_URL!, 'CREATE TABLE intruder (id int)')).toBe('42501');
    expect(await sqlStateOf(env.DATABASE_URL!, 'ALTER TABLE products ADD COLUMN x int')).toBe('42501');
    expect(await sqlStateOf(env.DATABASE_URL!, 'DROP TABLE products')).toBe('42501');
    expect(await sqlStateOf(env.DATABASE_URL!, 'SELECT pg_sleep(600)')).toBe('57014');
  });
});
