import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@mesh-kit/runtime';
import { apiKeyCheckSettings, catalog } from '@mesh-kit/catalog';
import { createApp } from '@mesh-kit/apikeys/app';
import { checkSettingsSchema } from '@mesh-kit/apikeys/config';
import { createTestDatabase, type TestDatabase } from '../test-support/databases.js';
import { silentLogger } from '../test-support/silent-logger.js';
import { createApiKey, insertStatement, parseName, parseScopes, revokeApiKey, urlRunner } from '../scripts/apikey.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const migrations = fileURLToPath(new URL('../services/apikeys/migrations', import.meta.url));
let db: TestDatabase;
let runner: ReturnType<typeof urlRunner>;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('apikey_script');
  await migrate(db.url, migrations, silentLogger());
  runner = urlRunner(db.url);
  pool = new pg.Pool({ connectionString: db.url });
});

afterAll(async () => {
  await runner.close();
  await pool.end();
  await db.drop();
});

/** The real gateway check for GET /api/stats, with the catalog's settings. */
const statsCheck = (key: string) =>
  request(
    createApp({
      pool,
      logger: silentLogger(),
      settings: checkSettingsSchema.parse(JSON.parse(apiKeyCheckSettings(catalog))),
    }).app,
  )
    .get('/check/api/stats')
    .set('x-api-key', key);

describe('make apikey / make apikey-revoke (scripts/apikey.ts)', () => {
  it('creates a key the check accepts with its scopes, and stores only the hash', async () => {
    const key = await createApiKey(runner.run, 'partner-a', ['stats:read']);
    expect(key).toMatch(/^mk_[A-Za-z0-9_-]{43}$/);
    const res = await statsCheck(key);
    expect(res.status).toBe(200);
    expect(res.headers['x-client-id']).toBe('partner-a');
    const { rows } = await pool.query<{ row: string }>('SELECT row_to_json(k)::text AS row FROM api_keys k');
    expect(rows.map((r) => r.row).join()).not.toContain(key);
  });

  it('revokes a key so that the next check refuses it, and says when there is nothing to revoke', async () => {
    const key = await createApiKey(runner.run, 'partner-b', ['stats:read']);
    expect((await statsCheck(key)).status).toBe(200);
    expect(await revokeApiKey(runner.run, 'partner-b')).toBe(1);
    expect((await statsCheck(key)).status).toBe(401);
    expect(await revokeApiKey(runner.run, 'partner-b')).toBe(0);
    // Rotation: a new key for the same name once the old one is revoked.
    expect((await statsCheck(await createApiKey(runner.run, 'partner-b', ['stats:read']))).status).toBe(200);
  });

  it('refuses a second active key for a name, naming the flag and the way out', async () => {
    await createApiKey(runner.run, 'partner-c', ['stats:read']);
    await expect(createApiKey(runner.run, 'partner-c', ['stats:read'])).rejects.toThrow(
      "NAME: 'partner-c' already has an active key; revoke it first (make apikey-revoke NAME=partner-c)",
    );
  });

  it('validates NAME and SCOPES before anything reaches SQL', () => {
    expect(() => parseName(undefined)).toThrow(/NAME is required/);
    expect(() => parseName("x'; DROP TABLE api_keys; --")).toThrow(/^NAME: /);
    expect(() => parseScopes('')).toThrow(/SCOPES is required/);
    expect(() => parseScopes("stats:read,a'b")).toThrow(/SCOPES: 'a'b' is not <resource>:<verb>/);
    expect(parseScopes('stats:read, orders:read stats:read')).toEqual(['stats:read', 'orders:read']);
    expect(insertStatement('n', ['a:b'], Buffer.alloc(32))).toContain("ARRAY['a:b']::text[]");
  });

  it('runs through make: prints the key once on stdout against a local database', () => {
    const run = (target: string, vars: Record<string, string>) =>
      spawnSync('make', ['-s', target, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], {
        cwd: ROOT,
        encoding: 'utf8',
        env: { ...process.env, APIKEYS_DATABASE_URL: db.url },
      });
    const created = run('apikey', { NAME: 'make-client', SCOPES: 'stats:read' });
    expect(created.stderr).toContain("API key for 'make-client' (stats:read)");
    expect(created.status).toBe(0);
    expect(created.stdout.trim()).toMatch(/^mk_[A-Za-z0-9_-]{43}$/);
    const revoked = run('apikey-revoke', { NAME: 'make-client' });
    expect(revoked.stdout).toContain("revoked the key of 'make-client'");
    const bad = run('apikey', { NAME: 'Bad Name', SCOPES: 'stats:read' });
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain("NAME: 'Bad Name'");
  });

  it('checks NAME and SCOPES before it connects: one line naming the flag, no stack trace', () => {
    for (const [target, vars, flag] of [
      ['apikey', { NAME: 'Bad Name', SCOPES: 'stats:read' }, "NAME: 'Bad Name'"],
      ['apikey', { NAME: 'fine' }, 'SCOPES is required'],
      ['apikey-revoke', {}, 'NAME is required'],
    ] as const) {
      const result = spawnSync('make', ['-s', target, ...Object.entries(vars).map(([k, v]) => `${k}=${v}`)], {
        cwd: ROOT,
        encoding: 'utf8',
        // Nothing listens on port 1: a connection attempt would fail with ECONNREFUSED.
        env: { ...process.env, APIKEYS_DATABASE_URL: 'postgres://postgres@127.0.0.1:1/none' },
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr.split('\n')[0]).toContain(`error: ${flag}`);
      expect(result.stderr).not.toMatch(/ECONNREFUSED|Unhandled|\n\s+at /);
    }
  });
});
