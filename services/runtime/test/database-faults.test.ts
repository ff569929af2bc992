import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import request from 'supertest';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPool,
  databaseConfigSchema,
  isDatabaseUnavailable,
  openDatabase,
  postgresProbe,
  withClient,
} from '@mesh-kit/runtime';
import { createTestDatabase, type TestDatabase } from '../../../test-support/databases.js';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { startTcpProxy, type TcpProxy } from '../../../test-support/tcp-proxy.js';
import { createApp as createUsersApp } from '@mesh-kit/users/app';

// Database faults fail requests, never the process: real PostgreSQL behind a proxy the test
// controls, and pg_terminate_backend on this test's own database.

const usersMigrations = fileURLToPath(new URL('../../users/migrations', import.meta.url));
let db: TestDatabase;
let proxy: TcpProxy;
let admin: pg.Pool;
let pool: pg.Pool;
let probeClose: () => Promise<void>;
let app: ReturnType<typeof createUsersApp>['app'];
let userId: string;

const getUser = () => request(app).get(`/users/${userId}`).set('x-user-id', userId);
const terminateBackends = async (): Promise<number> =>
  (
    await admin.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
       WHERE datname = $1 AND pid <> pg_backend_pid()`,
      [db.name],
    )
  ).rows[0]!.n;
async function within<T>(ms: number, read: () => Promise<T>, done: (value: T) => boolean): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The pool's connection count once it has dropped every lost one (up to 5 s), as it ends up. */
const poolEmptied = (): Promise<number> =>
  within(
    5_000,
    async () => pool.totalCount,
    (n) => n === 0,
  );

beforeAll(async () => {
  db = await createTestDatabase('dbfaults');
  const { hostname, port } = new URL(db.url);
  proxy = await startTcpProxy({ host: hostname, port: Number(port) });
  const viaProxy = proxy.via(db.url);
  // Not through the proxy: the test's own view of the database.
  admin = new pg.Pool({ connectionString: db.url, max: 2 });
  const database = openDatabase(databaseConfigSchema.parse({ DATABASE_URL: viaProxy }), {
    migrationsDir: usersMigrations,
    logger: silentLogger(),
  });
  await database.migrated;
  await database.close();
  pool = createPool(viaProxy, { logger: silentLogger(), max: 3, connectionTimeoutMillis: 250 });
  const probe = postgresProbe(viaProxy, { timeoutMs: 300, logger: silentLogger() });
  probeClose = probe.close;
  app = createUsersApp({ pool, logger: silentLogger(), readiness: { postgres: probe.check } }).app;
  userId = randomUUID();
  await request(app)
    .post('/users')
    .set('x-user-id', userId)
    .send({ name: 'Edsger', email: 'edsger@example.com' })
    .expect(201);
});

afterAll(async () => {
  await Promise.all([pool?.end(), admin?.end(), probeClose?.()]);
  await proxy?.close();
  await db?.drop();
});

describe('PostgreSQL faults fail requests, never the process', () => {
  it('pg_terminate_backend of idle and in-use connections: the process lives, the next request works', async () => {
    // Warm the pool, and hold one connection checked out (as a request between two queries would).
    await Promise.all([getUser(), getUser(), getUser()]);
    const held = withClient(pool, async (client) => {
      await new Promise((resolve) => setTimeout(resolve, 300));
      return client.query('SELECT 1');
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    const outcome = held.then(
      () => 'served',
      (error: unknown) => (isDatabaseUnavailable(error) ? 'database unavailable' : String(error)),
    );
    expect(await terminateBackends()).toBeGreaterThan(0);
    for (let round = 0; round < 2; round += 1) {
      // Served again (on a new connection), then terminated again.
      expect((await within(5_000, getUser, (res) => res.status === 200)).status).toBe(200);
      expect(await terminateBackends()).toBeGreaterThan(0);
    }
    // The request that used a terminated connection fails, as one the error handler answers 503 …
    expect(await outcome).toBe('database unavailable');
    // … the pool drops each terminated connection as PostgreSQL's notice of it arrives (on a busy
    // machine not within the same tick) …
    expect(await poolEmptied()).toBe(0);
    // … and replaces what it lost: the next request is served at once, on a new connection.
    const after = await getUser();
    expect(after.status).toBe(200);
  });

  it('PostgreSQL refusing: 503 problem+json within the connect timeout; served again within 5 s of its return', async () => {
    await proxy.refuse();
    try {
      const started = Date.now();
      const res = await getUser();
      expect(res.status).toBe(503);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.body.detail).toMatch(/database/i);
      expect(Date.now() - started).toBeLessThan(1_000);
      expect((await request(app).get('/healthz')).status).toBe(200);
      expect((await request(app).get('/readyz')).status).toBe(503);
    } finally {
      await proxy.restore();
    }
    const restored = Date.now();
    const back = await within(5_000, getUser, (res) => res.status === 200);
    expect(back.status).toBe(200);
    expect(Date.now() - restored).toBeLessThan(5_000);
    expect((await request(app).get('/readyz')).status).toBe(200);
  });

  it('PostgreSQL hung (connections accepted, nothing answered): 503 after the connect timeout, not a hang', async () => {
    proxy.blackhole();
    try {
      const started = Date.now();
      const [res, ready] = await Promise.all([getUser(), request(app).get('/readyz')]);
      expect(res.status).toBe(503);
      expect(ready.status).toBe(503);
      expect(Date.now() - started).toBeLessThan(1_500);
    } finally {
      await proxy.restore();
    }
    expect((await within(5_000, getUser, (r) => r.status === 200)).status).toBe(200);
  });

  it('PostgreSQL slower to take a connection than a request waits: 503 at first, and the attempts go on, so requests and /readyz are served again within seconds', async () => {
    // Every connection through the proxy is lost, so the next ones must be opened while it is slow.
    proxy.cut();
    expect(await poolEmptied()).toBe(0);
    proxy.slowAccept(800);
    try {
      const first = await getUser();
      expect(first.status, 'the connection is not there within the 250 ms wait').toBe(503);
      const served = await within(10_000, getUser, (res) => res.status === 200);
      expect(served.status).toBe(200);
      const ready = await within(
        10_000,
        () => request(app).get('/readyz'),
        (res) => res.status === 200,
      );
      expect(ready.status).toBe(200);
    } finally {
      await proxy.restore();
    }
  });

  it('request traffic cannot starve /readyz: with every pooled connection busy, the probe still answers', async () => {
    let release!: () => void;
    const busy = new Promise<void>((resolve) => (release = resolve));
    const holders = Array.from({ length: 3 }, () => withClient(pool, () => busy));
    await new Promise((resolve) => setTimeout(resolve, 50));
    try {
      const started = Date.now();
      const [res, ready] = await Promise.all([getUser(), request(app).get('/readyz')]);
      expect(ready.status).toBe(200);
      expect(res.status, 'no connection to be had: 503 after the connect timeout').toBe(503);
      expect(Date.now() - started).toBeLessThan(1_000);
    } finally {
      release();
      await Promise.all(holders);
    }
  });
});

describe('start-up while PostgreSQL is down', () => {
  it('is not ready until PostgreSQL answers, then migrates on its own', async () => {
    const fresh = await createTestDatabase('dbfaults_startup');
    const { hostname, port } = new URL(fresh.url);
    const gate = await startTcpProxy({ host: hostname, port: Number(port) });
    await gate.refuse();
    const database = openDatabase(databaseConfigSchema.parse({ DATABASE_URL: gate.via(fresh.url) }), {
      migrationsDir: usersMigrations,
      logger: silentLogger(),
    });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_500));
      await expect(database.readiness()).rejects.toThrow(/migrations not applied/);
      await gate.restore();
      const restored = Date.now();
      await database.migrated;
      expect(Date.now() - restored, 'the capped wait brings it up soon after').toBeLessThan(5_000);
      await expect(database.readiness()).resolves.toBeUndefined();
    } finally {
      await database.close();
      await gate.close();
      await fresh.drop();
    }
  });
});
