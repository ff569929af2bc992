import type pg from 'pg';
import type { Logger } from 'pino';
import { createPool, type DatabaseConfig } from './database.js';
import type { ReadinessCheck } from './health.js';
import { migrate } from './migrate.js';
import { postgresProbe } from './postgres-probe.js';
import { waitUntil } from './startup.js';

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
    () => migrate(config.DATABASE_MIGRATION_URL ?? config.DATABASE_URL, options.migrationsDir, logger),
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
