import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { generateApiKey, hashApiKey } from '@mesh-kit/catalog/api-key';
import { createApp } from '../src/app.js';
import type { CheckSettings } from '../src/config.js';

// Finding (issue 20, item 5): every check of an unknown key cost a query on the PostgreSQL all
// services share (100 requests → 99 transactions). apikeys now remembers unknown hashes briefly.
const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
const settings: CheckSettings = {
  pathPrefix: '/check',
  keyHeader: 'x-api-key',
  clientHeader: 'x-client-id',
  scopesHeader: 'x-client-scopes',
  routes: [{ method: 'GET', path: '/api/stats', scopes: ['stats:read'] }],
};

let db: TestDatabase;
let pool: pg.Pool;
/** Statements apikeys sent to PostgreSQL (real ones: the pool runs them). */
let queries = 0;
// Not 0: lru-cache reads a start time of 0 as "never set" (no expiry).
let clock = 1_000;
let app: ReturnType<typeof createApp>['app'];

beforeAll(async () => {
  db = await createTestDatabase('apikeys_unknown');
  await migrate(db.url, migrations, silentLogger());
  const counted = new pg.Pool({ connectionString: db.url });
  const query = counted.query.bind(counted) as (...args: unknown[]) => unknown;
  counted.query = ((...args: unknown[]) => {
    queries += 1;
    return query(...args);
  }) as typeof counted.query;
  pool = counted;
  app = createApp({
    pool,
    logger: silentLogger(),
    settings,
    unknownKeys: { ttlMs: 30_000, max: 100, now: () => clock },
  }).app;
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

const check = (key: string) => request(app).get('/check/api/stats').set('x-api-key', key);

describe('apikeys remembers unknown key hashes for a short while', () => {
  it('100 checks of one unknown key cost one query, each still a 401', async () => {
    const unknown = generateApiKey();
    const before = queries;
    for (let i = 0; i < 100; i += 1) expect((await check(unknown)).status).toBe(401);
    expect(queries - before).toBe(1);
  });

  it('asks again once the memory expires, so a key created meanwhile works', async () => {
    const key = generateApiKey();
    expect((await check(key)).status).toBe(401);
    await pool.query('INSERT INTO api_keys (name, key_hash, scopes) VALUES ($1, $2, $3)', [
      'late',
      hashApiKey(key),
      ['stats:read'],
    ]);
    expect((await check(key)).status).toBe(401); // still remembered as unknown
    clock += 30_001;
    expect((await check(key)).status).toBe(200);
  });

  it('never remembers a found key: a revocation counts from the very next check', async () => {
    const key = generateApiKey();
    await pool.query('INSERT INTO api_keys (name, key_hash, scopes) VALUES ($1, $2, $3)', [
      'revoked-soon',
      hashApiKey(key),
      ['stats:read'],
    ]);
    const before = queries;
    expect((await check(key)).status).toBe(200);
    expect((await check(key)).status).toBe(200);
    expect(queries - before).toBe(2);
    await pool.query("UPDATE api_keys SET revoked_at = now() WHERE name = 'revoked-soon'");
    expect((await check(key)).status).toBe(401);
  });

  it('is bounded: beyond its size the least recently used hash is asked again', async () => {
    const first = generateApiKey();
    await check(first);
    for (let i = 0; i < 100; i += 1) await check(generateApiKey());
    const before = queries;
    await check(first);
    expect(queries - before).toBe(1);
  });
});
