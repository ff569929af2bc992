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
  db = await createTestDatabase('users');
  await migrate(db.url, migrations, silentLogger());
  pool = new pg.Pool({ connectionString: db.url });
  app = createApp({ pool, logger: silentLogger() }).app;
});

afterAll(async () => {
  await pool.end();
  await db.drop();
});

describe('users', () => {
  it('creates a user and reads it back', async () => {
    const created = await request(app).post('/users').send({ name: 'Ada', email: 'ada@example.com' });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Ada', email: 'ada@example.com' });
    expect(created.headers.location).toBe(`/users/${created.body.id}`);

    const read = await request(app).get(`/users/${created.body.id}`);
    expect(read.status).toBe(200);
    expect(read.body).toEqual(created.body);
  });

  it('answers 409 naming the field when the email is taken, case-insensitively', async () => {
    await request(app).post('/users').send({ name: 'Bo', email: 'bo@example.com' }).expect(201);
    const again = await request(app).post('/users').send({ name: 'Bo 2', email: 'BO@example.com' });
    expect(again.status).toBe(409);
    expect(again.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(again.body.errors).toEqual([{ field: 'email', message: 'already registered' }]);
  });

  it('answers 404 problem+json for an unknown id and 400 naming the param for a malformed one', async () => {
    const missing = await request(app).get('/users/7f1d3c8e-7a9b-4c31-9d2e-2f0a6b8c1d23');
    expect(missing.status).toBe(404);
    expect(missing.body).toMatchObject({ status: 404, title: 'Not Found' });

    const malformed = await request(app).get('/users/not-a-uuid');
    expect(malformed.status).toBe(400);
    expect(malformed.body.errors).toEqual([expect.objectContaining({ field: 'id' })]);
  });

  it('names every failing field and stores nothing on bad input', async () => {
    const before = await pool.query('SELECT count(*)::int AS n FROM users');
    const res = await request(app).post('/users').send({ name: '', email: 'nope', extra: 1 });
    expect(res.status).toBe(400);
    const fields = (res.body.errors as { field: string }[]).map((e) => e.field).sort();
    expect(fields).toEqual(['email', 'extra', 'name']);
    const after = await pool.query('SELECT count(*)::int AS n FROM users');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('is ready when PostgreSQL answers', async () => {
    const res = await request(app).get('/readyz');
    expect(res.status).toBe(200);
    expect(res.body.checks).toEqual({ postgres: 'ok' });
  });
});
