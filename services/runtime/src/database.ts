import pg from 'pg';
import { runner } from 'node-pg-migrate';
import { z } from 'zod';
import type { Logger } from 'pino';
import { postgresUrl } from './config.js';
import type { ReadinessCheck } from './health.js';
import { waitUntil } from './startup.js';

/** Any fixed number works as long as it is the same for every replica of every service. */
const MIGRATION_LOCK_KEY = 0x6d65_7368; // "mesh"

/** Settings of every service that owns a database. */
export const databaseConfigSchema = z.object({
  DATABASE_URL: postgresUrl,
  /**
   * Longest wait for a pooled connection (queueing plus connecting). Keep it below the service's
   * route timeouts in the catalog (a test checks): a request that cannot get a connection then
   * answers 503 itself instead of hanging until the sidecar gives up.
   */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(10).max(30_000).default(250),
  /** Connections of the request pool. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** /readyz's own connection: how long its SELECT 1 (connecting included) may take. */
  DATABASE_PROBE_TIMEOUT_MS: z.coerce.number().int().min(10).max(30_000).default(500),
});
export type DatabaseConfig = z.output<typeof databaseConfigSchema>;

export interface PoolOptions {
  readonly logger: Logger;
  /** @default 10 */
  readonly max?: number;
  /** The pool's connectionTimeoutMillis. @default 250 */
  readonly connectionTimeoutMillis?: number;
}

/**
 * A pg.Pool that survives PostgreSQL going away: every client gets an `error` listener for its
 * whole life (pg-pool only listens while a client is idle, so a connection lost while checked out
 * would otherwise be an unhandled 'error' event and end the process). A lost connection fails the
 * query that used it; the pool replaces it on the next checkout.
 */
export function createPool(connectionString: string, options: PoolOptions): pg.Pool {
  const { logger } = options;
  const pool = new pg.Pool({
    connectionString,
    max: options.max ?? 10,
    connectionTimeoutMillis: options.connectionTimeoutMillis ?? 250,
    // Lets the kernel notice a peer that vanished without closing (a node lost, a network cut).
    keepAlive: true,
  });
  watchConnections(pool, logger);
  return pool;
}

function watchConnections(pool: pg.Pool, logger: Logger): void {
  pool.on('connect', (client) => {
    client.on('error', (error) => {
      logger.warn({ err: error }, 'PostgreSQL connection lost; the request using it fails, the pool replaces it');
    });
  });
  // Emitted for idle clients; the client's own listener above has logged it already.
  pool.on('error', () => undefined);
}

/** True when `error` says the database could not be reached or dropped the connection. */
export function isDatabaseUnavailable(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    // SQLSTATE class 08 (connection exception), 57P01-57P03 (shutdown, crash, starting up),
    // 53300 (too many connections), 3D000 (database not created yet); or the socket's own errors.
    if (/^(08...|57P0[123]|53300|3D000)$/.test(code)) return true;
    if (/^(ECONNREFUSED|ECONNRESET|EPIPE|ETIMEDOUT|EHOSTUNREACH|ENETUNREACH|ENOTFOUND|EAI_AGAIN)$/.test(code))
      return true;
  }
  // pg raises these without a code.
  return /Connection terminated|timeout exceeded when trying to connect|not queryable|connection timeout/i.test(
    error.message,
  );
}

/**
 * Runs `work` on one pooled client. The client goes back to the pool afterwards, or is discarded
 * when `work` failed on a broken connection.
 */
export async function withClient<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  let failure: Error | undefined;
  try {
    return await work(client);
  } catch (error) {
    if (isDatabaseUnavailable(error)) failure = error as Error;
    throw error;
  } finally {
    client.release(failure);
  }
}

/** Runs `work` in one transaction (BEGIN … COMMIT, ROLLBACK when it throws). Keep it short: no network calls inside. */
export function transaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  return withClient(pool, async (client) => {
    await client.query('BEGIN');
    try {
      const result = await work(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    }
  });
}

/**
 * Runs the SQL migrations in `dir`. Replicas starting together queue on a blocking advisory lock
 * (node-pg-migrate's own lock is try-once and would fail the second replica), so exactly one
 * applies each migration and the others find them done.
 */
export async function migrate(
  connectionString: string,
  dir: string,
  logger: Logger,
  connectionTimeoutMillis = 5_000,
): Promise<void> {
  const client = new pg.Client({ connectionString, connectionTimeoutMillis });
  client.on('error', (error) => logger.warn({ err: error }, 'migration connection lost'));
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    const applied = await runner({
      dbClient: client,
      dir,
      direction: 'up',
      migrationsTable: 'pgmigrations',
      noLock: true,
      checkOrder: true,
      log: () => undefined,
    });
    logger.info({ applied: applied.map((m) => m.name) }, 'migrations up to date');
  } finally {
    await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]).catch(() => undefined);
    await client.end().catch(() => undefined);
  }
}

/** A readiness check that asks PostgreSQL for one row over `pool` (tests; servers use {@link postgresProbe}). */
export function postgresCheck(pool: pg.Pool): ReadinessCheck {
  return async () => {
    await pool.query('SELECT 1');
  };
}

export interface PostgresProbe {
  readonly check: ReadinessCheck;
  close(): Promise<void>;
}

/**
 * /readyz's check on a connection of its own (a pool of one), so request traffic can never starve
 * the probe: it answers within `timeoutMs` whatever the request pool is doing. A failed probe
 * discards its connection; the next one connects afresh.
 */
export function postgresProbe(connectionString: string, options: { timeoutMs: number; logger: Logger }): PostgresProbe {
  const pool = new pg.Pool({
    connectionString,
    max: 1,
    connectionTimeoutMillis: options.timeoutMs,
    query_timeout: options.timeoutMs,
    idleTimeoutMillis: 0,
    keepAlive: true,
  });
  watchConnections(pool, options.logger);
  return {
    async check() {
      const client = await pool.connect();
      try {
        await client.query('SELECT 1');
        client.release();
      } catch (error) {
        // A timed-out query leaves the connection busy or broken: discard it.
        client.release(error as Error);
        throw error;
      }
    },
    close: () => pool.end(),
  };
}

/** A database as a server uses it: the request pool, the probe, and migrations applied in the background. */
export interface Database {
  readonly pool: pg.Pool;
  /** For /readyz: failing until the migrations are applied, then the probe's SELECT 1. */
  readonly readiness: ReadinessCheck;
  /** Resolves once the migrations are applied (PostgreSQL is waited for as long as it takes). */
  readonly migrated: Promise<void>;
  /** Stops waiting for PostgreSQL and ends the pools. */
  close(): Promise<void>;
}

/**
 * Opens the service's database without waiting for it: the process stays up while PostgreSQL is
 * down, /readyz says so, and the migrations run as soon as it answers (start-up waits for
 * what is missing). Requests meanwhile get 503 from the pool's connect timeout.
 */
export function openDatabase(
  config: DatabaseConfig,
  options: { migrationsDir: string; logger: Logger; poolMax?: number },
): Database {
  const { logger } = options;
  const pool = createPool(config.DATABASE_URL, {
    logger,
    max: options.poolMax ?? config.DATABASE_POOL_MAX,
    connectionTimeoutMillis: config.DATABASE_CONNECT_TIMEOUT_MS,
  });
  const probe = postgresProbe(config.DATABASE_URL, { timeoutMs: config.DATABASE_PROBE_TIMEOUT_MS, logger });
  let closed = false;
  let done = false;
  const migrated = waitUntil(
    'PostgreSQL migrations',
    () => migrate(config.DATABASE_URL, options.migrationsDir, logger),
    {
      logger,
      stopped: () => closed,
    },
  ).then(() => {
    done = true;
  });
  migrated.catch(() => undefined);
  return {
    pool,
    migrated,
    async readiness() {
      if (!done) throw new Error('migrations not applied yet');
      await probe.check();
    },
    async close() {
      closed = true;
      await Promise.all([pool.end(), probe.close()]);
    },
  };
}
