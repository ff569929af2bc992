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

const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
const settings: CheckSettings = {
  pathPrefix: '/check',
  keyHeader: 'x-api-key',
  clientHeader: 'x-client-id',
  scopesHeader: 'x-client-scopes',
  routes: [
    { method: 'GET', path: '/api/stats', scopes: ['stats:read'] },
    { method: 'GET', path: '/api/reports/:id', scopes: ['reports:read', 'stats:read'] },
  ],
};
const IDENTITY = [settings.clientHeader, settings.scopesHeader];

let db: TestDatabase;
let pool: pg.Pool;
let app: ReturnType<typeof createApp>['app'];
const keys = { valid: generateApiKey(), revoked: generateApiKey(), narrow: generateApiKey() };

async function insert(name: string, key: string, scopes: string[], revoked = false): Promise<void> {
  await pool.query(
    `INSERT INTO api_keys (name, key_hash, scopes, revoked_at) VALUES ($1, $2, $3, ${revoked ? 'now()' : 'NULL'})`,
    [name, hashApiKey(key), scopes],
  );
}

beforeAll(async () => {
  db = await createTestDatabase('apikeys');
  await migrate(db.url, migrations, silentLogger());
  pool = new pg.Pool({ connectionString: db.url });
  await insert('back-office', keys.valid, ['stats:read', 'reports:read']);
  await insert('old-partner', keys.revoked, ['stats:read'], true);
  await insert('partner', keys.narrow, ['orders:read']);
  app = createApp({ pool, logger: silentLogger(), settings }).app;
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

/** A check as the gateway sends it: the original method, the path under /check, the included headers. */
const check = (headers: Record<string, string>, path = '/check/api/stats', method: 'get' | 'post' = 'get') =>
  request(app)[method](path).set(headers);

const expectDenied = (res: request.Response, status: number): void => {
  expect(res.status).toBe(status);
  expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(res.body).toMatchObject({ status });
  for (const header of IDENTITY) expect(res.headers[header], header).toBeUndefined();
};

describe('apikeys: the ext_authz check over HTTP, with real PostgreSQL', () => {
  it('allows a valid key with the scope and names the client and its scopes for the gateway to forward', async () => {
    const res = await check({ 'x-api-key': keys.valid });
    expect(res.status).toBe(200);
    expect(res.headers['x-client-id']).toBe('back-office');
    expect(res.headers['x-client-scopes']).toBe('stats:read reports:read');
  });

  it('matches path templates and the query string does not change the route', async () => {
    expect((await check({ 'x-api-key': keys.valid }, '/check/api/reports/42')).status).toBe(200);
    expect((await check({ 'x-api-key': keys.valid }, '/check/api/stats?day=2026-01-01')).status).toBe(200);
  });

  it('answers 401 with a challenge, and no identity, without a key', async () => {
    const res = await check({});
    expectDenied(res, 401);
    expect(res.headers['www-authenticate']).toBe('ApiKey header="x-api-key"');
    expect(res.body.errors).toEqual([{ field: 'x-api-key', message: expect.stringContaining('required') }]);
  });

  it('answers 400 naming the header for a malformed key', async () => {
    for (const bad of ['secret', `${keys.valid}x`, `mk_${'a'.repeat(42)}!`, `Bearer ${keys.valid}`]) {
      const res = await check({ 'x-api-key': bad });
      expectDenied(res, 400);
      expect(res.body.errors).toEqual([{ field: 'x-api-key', message: expect.any(String) }]);
    }
  });

  it('answers 401 alike for an unknown key and a revoked one', async () => {
    const unknown = await check({ 'x-api-key': generateApiKey() });
    const revoked = await check({ 'x-api-key': keys.revoked });
    expectDenied(unknown, 401);
    expectDenied(revoked, 401);
    expect(revoked.body.detail).toBe(unknown.body.detail);
  });

  it('revocation takes effect on the next check, without a restart', async () => {
    const key = generateApiKey();
    await insert('short-lived', key, ['stats:read']);
    expect((await check({ 'x-api-key': key })).status).toBe(200);
    await pool.query("UPDATE api_keys SET revoked_at = now() WHERE name = 'short-lived'");
    expectDenied(await check({ 'x-api-key': key }), 401);
  });

  it('answers 403 naming the missing scope for a key without it', async () => {
    const res = await check({ 'x-api-key': keys.narrow });
    expectDenied(res, 403);
    expect(res.body.detail).toContain('stats:read');
    const partial = await check({ 'x-api-key': keys.narrow }, '/check/api/reports/1');
    expectDenied(partial, 403);
  });

  it('answers 403 to any Authorization credential, even with a valid key (the check runs before jwt_authn)', async () => {
    for (const authorization of ['Bearer eyJhbGciOiJSUzI1NiJ9.e30.c2ln', 'Basic YTpi', '']) {
      const res = await check({ authorization });
      expectDenied(res, 403);
      expect(res.body.detail).toContain('not an Authorization credential');
      expectDenied(await check({ authorization, 'x-api-key': keys.valid }), 403);
    }
  });

  it('ignores an x-user-id header: at check time the gateway has set none, so it proves nothing', async () => {
    const res = await check({ 'x-user-id': 'alice', 'x-api-key': keys.valid });
    expect(res.status).toBe(200);
  });

  it('refuses routes that are not API-key routes (fail closed): other paths and other methods', async () => {
    expectDenied(await check({ 'x-api-key': keys.valid }, '/check/api/orders'), 403);
    expectDenied(await check({ 'x-api-key': keys.valid }, '/check/api/stats', 'post'), 403);
    expectDenied(await check({ 'x-api-key': keys.valid }, '/api/stats'), 404);
  });

  it('stores only hashes: no stored value contains a key', async () => {
    const { rows } = await pool.query<{ row: string }>('SELECT row_to_json(k)::text AS row FROM api_keys k');
    for (const key of Object.values(keys)) {
      const hex = Buffer.from(key).toString('hex');
      for (const { row } of rows) {
        expect(row).not.toContain(key);
        expect(row).not.toContain(hex);
      }
    }
  });

  it('the schema refuses a second active key for a name and a hash that is not a SHA-256', async () => {
    await expect(insert('back-office', generateApiKey(), ['stats:read'])).rejects.toThrow(/api_keys_active_name/);
    await expect(
      pool.query("INSERT INTO api_keys (name, key_hash, scopes) VALUES ('x', '\\x00', '{a:b}')"),
    ).rejects.toThrow(/key_hash/);
  });
});
