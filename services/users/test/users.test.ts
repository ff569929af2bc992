import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_USER_ID_LENGTH, migrate } from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp } from '../src/app.js';

const migrations = fileURLToPath(new URL('../migrations', import.meta.url));
let db: TestDatabase;
let pool: pg.Pool;
let app: ReturnType<typeof createApp>['app'];

beforeAll(async () => {
  db = await createTestDatabase('users');
  await migrate(db.url, migrations, silentLogger());
  pool = new pg.Pool({ connectionString: db.url });
  app = createApp({ pool, logger: silentLogger() }).app;
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

const register = (caller: string, body: object) => request(app).post('/users').set('x-user-id', caller).send(body);
const read = (caller: string, id: string) =>
  request(app)
    .get(`/users/${encodeURIComponent(id)}`)
    .set('x-user-id', caller);
/** A problem without its `instance` (the path), which differs by request. */
const problem = (body: Record<string, unknown>) => ({ ...body, instance: undefined });

describe('a profile belongs to its token subject', () => {
  it("registers the caller's profile under the caller's id and reads it back", async () => {
    const sub = `auth0|${randomUUID()}`;
    const created = await register(sub, { name: 'Ada', email: 'ada@example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ id: sub, name: 'Ada', email: 'ada@example.com' });
    expect(created.headers.location).toBe(`/users/${encodeURIComponent(sub)}`);
    const mine = await read(sub, sub);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual(created.body);
  });

  it("answers another user's profile 404, exactly as a profile that does not exist", async () => {
    const owner = randomUUID();
    await register(owner, { name: 'Bo', email: 'bo@example.com' }).expect(201);
    const intruder = randomUUID();
    const theirs = await read(intruder, owner);
    const nobody = await read(intruder, randomUUID());
    expect(theirs.status).toBe(404);
    expect(problem(theirs.body)).toEqual(problem(nobody.body));
    expect(JSON.stringify(problem(theirs.body))).not.toContain(owner);
    // The caller's own id without a profile yet: the same answer again.
    expect(problem((await read(intruder, intruder)).body)).toEqual(problem(nobody.body));
  });

  it('answers 401 naming x-user-id when the gateway set no identity', async () => {
    const anonymousRead = await request(app).get(`/users/${randomUUID()}`);
    expect(anonymousRead.status).toBe(401);
    const anonymousWrite = await request(app).post('/users').send({ name: 'Cy', email: 'cy@example.com' });
    expect(anonymousWrite.status).toBe(401);
    expect(anonymousWrite.body.errors).toEqual([{ field: 'x-user-id', message: 'missing' }]);
  });
});

describe('registration does not tell whether an email address has an account', () => {
  it('an address another user registered gets the same answer as a fresh one', async () => {
    await register(randomUUID(), { name: 'Dee', email: 'dee@example.com' }).expect(201);
    const probing = randomUUID();
    const taken = await register(probing, { name: 'Eve', email: 'DEE@example.com' });
    const fresh = await register(randomUUID(), { name: 'Eve', email: `eve-${randomUUID()}@example.com` });
    expect([taken.status, Object.keys(taken.body).sort()]).toEqual([fresh.status, Object.keys(fresh.body).sort()]);
    expect(taken.body).toEqual({ id: probing, name: 'Eve', email: 'DEE@example.com' });
  });

  it('a repeat of the same registration answers the same profile (safe to retry); a different one is 409 about the caller alone', async () => {
    const sub = randomUUID();
    const first = await register(sub, { name: 'Fay', email: 'fay@example.com' });
    const repeat = await register(sub, { name: 'Fay', email: 'FAY@example.com' });
    expect(repeat.status).toBe(200);
    expect(repeat.body).toEqual(first.body);
    const different = await register(sub, { name: 'Fay Two', email: 'fay2@example.com' });
    expect(different.status).toBe(409);
    expect(different.body).toMatchObject({
      errors: [{ field: 'x-user-id', message: 'already registered' }],
      profile: `/users/${sub}`,
    });
    expect((await read(sub, sub)).body).toEqual(first.body);
  });
});

describe('bad input', () => {
  it('names every failing field and stores nothing', async () => {
    const before = await pool.query('SELECT count(*)::int AS n FROM users');
    const res = await register(randomUUID(), { name: '', email: 'nope', extra: 1 });
    expect(res.status).toBe(400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['email', 'extra', 'name']);
    const tooLong = await register('x'.repeat(201), { name: 'G', email: 'g@example.com' });
    expect(tooLong.status).toBe(400);
    expect(tooLong.body.errors).toEqual([expect.objectContaining({ field: 'x-user-id' })]);
    const after = await pool.query('SELECT count(*)::int AS n FROM users');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('refuses control characters in the name and email with 400 naming each field (a NUL was a 500)', async () => {
    const before = await pool.query('SELECT count(*)::int AS n FROM users');
    const nul = await register(randomUUID(), { name: 'Ada\u0000Lovelace', email: 'ada@example.com' });
    expect(nul.status).toBe(400);
    expect(nul.body.errors).toEqual([{ field: 'name', message: 'control characters are not allowed' }]);
    const both = await register(randomUUID(), { name: 'Ada\nAdmin: yes', email: 'a\u0007@example.com' });
    expect(both.status).toBe(400);
    expect(both.body.errors).toEqual(
      expect.arrayContaining([
        { field: 'name', message: 'control characters are not allowed' },
        { field: 'email', message: 'control characters are not allowed' },
      ]),
    );
    const after = await pool.query('SELECT count(*)::int AS n FROM users');
    expect(after.rows[0].n).toBe(before.rows[0].n);
    expect((await register(randomUUID(), { name: 'Zoë Ångström', email: 'zoe@example.com' })).status).toBe(201);
  });

  it('refuses a sub longer than the one user-id limit every service shares (payments too), naming x-user-id', async () => {
    const longest = await register('s'.repeat(MAX_USER_ID_LENGTH), { name: 'G', email: 'g100@example.com' });
    expect(longest.status).toBe(201);
    const longer = await register('s'.repeat(MAX_USER_ID_LENGTH + 1), { name: 'G', email: 'g101@example.com' });
    expect(longer.status).toBe(400);
    expect(longer.body.errors).toEqual([expect.objectContaining({ field: 'x-user-id' })]);
  });

  it('is ready when PostgreSQL answers', async () => {
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: 'ok' });
  });
});
