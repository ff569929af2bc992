import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate } from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { PostgresAdapter } from '../src/postgres-adapter.js';

const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
let db: TestDatabase;
let pool: pg.Pool;

beforeAll(async () => {
  db = await createTestDatabase('identity_adapter');
  await migrate(db.url, migrations, silentLogger());
  pool = new pg.Pool({ connectionString: db.url });
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe("PostgresAdapter: oidc-provider's storage contract on PostgreSQL", () => {
  it('stores, replaces and destroys a payload by model and id; models do not see each other', async () => {
    const sessions = new PostgresAdapter(pool, 'Session');
    const grants = new PostgresAdapter(pool, 'Grant');
    await sessions.upsert('s1', { uid: 'u1', accountId: 'a' }, 60);
    expect(await sessions.find('s1')).toEqual({ uid: 'u1', accountId: 'a' });
    expect(await grants.find('s1')).toBeUndefined();
    await sessions.upsert('s1', { uid: 'u2', accountId: 'b' }, 60);
    expect(await sessions.findByUid('u2')).toEqual({ uid: 'u2', accountId: 'b' });
    expect(await sessions.findByUid('u1')).toBeUndefined();
    await sessions.destroy('s1');
    expect(await sessions.find('s1')).toBeUndefined();
  });

  it('never returns an expired payload; one stored without expiry lasts', async () => {
    const codes = new PostgresAdapter(pool, 'AuthorizationCode');
    await codes.upsert('gone', { grantId: 'g' }, 1);
    await codes.upsert('kept', { grantId: 'g' });
    await pool.query("UPDATE oidc_models SET expires_at = now() - interval '1 second' WHERE id = 'gone'");
    expect(await codes.find('gone')).toBeUndefined();
    expect(await codes.find('kept')).toEqual({ grantId: 'g' });
    expect(await PostgresAdapter.deleteExpired(pool)).toBe(1);
  });

  it('marks a consumed payload with the time it was consumed', async () => {
    const codes = new PostgresAdapter(pool, 'AuthorizationCode');
    await codes.upsert('c1', { grantId: 'g1' }, 60);
    expect(await codes.find('c1')).not.toHaveProperty('consumed');
    const before = Math.floor(Date.now() / 1000) - 1;
    await codes.consume('c1');
    const consumed = (await codes.find('c1'))?.consumed as number;
    expect(consumed).toBeGreaterThanOrEqual(before);
    expect(consumed).toBeLessThanOrEqual(before + 5);
  });

  it('finds by user code, and revokes every payload of a grant within its model', async () => {
    const deviceCodes = new PostgresAdapter(pool, 'DeviceCode');
    await deviceCodes.upsert('d1', { userCode: 'ABCD-EFGH', grantId: 'g2' }, 60);
    expect(await deviceCodes.findByUserCode('ABCD-EFGH')).toMatchObject({ grantId: 'g2' });
    const refreshTokens = new PostgresAdapter(pool, 'RefreshToken');
    await refreshTokens.upsert('r1', { grantId: 'g2' }, 60);
    await refreshTokens.upsert('r2', { grantId: 'g2' }, 60);
    await refreshTokens.upsert('r3', { grantId: 'other' }, 60);
    await refreshTokens.revokeByGrantId('g2');
    expect(await refreshTokens.find('r1')).toBeUndefined();
    expect(await refreshTokens.find('r2')).toBeUndefined();
    expect(await refreshTokens.find('r3')).toEqual({ grantId: 'other' });
    expect(await deviceCodes.find('d1')).toBeDefined();
  });
});
