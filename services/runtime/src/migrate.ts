import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from 'pino';

/** Any fixed number works as long as it is the same for every replica of every service. */
const MIGRATION_LOCK_KEY = 0x6d65_7368; // "mesh"

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
