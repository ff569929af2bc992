import type pg from 'pg';
import type { z } from 'zod';
import type { ServiceApp } from './app.js';
import type { BaseConfig } from './config.js';
import type { DatabaseConfig } from './database.js';
import { Lifecycle, type ReadinessCheck } from './health.js';
import type { Logger } from './logger.js';
import { openDatabase } from './open-database.js';
import { runService } from './run.js';

/** What a database-owning service's app gets from its start-up. */
export interface DatabaseAppDeps<C> {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly lifecycle: Lifecycle;
  /** /readyz's PostgreSQL check, on a connection of its own. */
  readonly readiness: Readonly<Record<string, ReadinessCheck>>;
  /** The validated config, for what the app reads beyond the database (callees' URLs). */
  readonly config: C;
}

export interface DatabaseServiceOptions<S extends z.ZodType<BaseConfig & DatabaseConfig>> {
  readonly name: string;
  readonly configSchema: S;
  /** The folder of its SQL migrations, applied at start-up. */
  readonly migrationsDir: string;
  readonly createApp: (deps: DatabaseAppDeps<z.output<S>>) => ServiceApp;
}

/**
 * The server.ts of a service that owns a database (users, products): it serves at once, with
 * /readyz 503 until PostgreSQL answers and the migrations are applied (Law 8), and closes the pool
 * once HTTP has drained.
 */
export function runDatabaseService<S extends z.ZodType<BaseConfig & DatabaseConfig>>(
  options: DatabaseServiceOptions<S>,
): Promise<void> {
  return runService({
    name: options.name,
    configSchema: options.configSchema,
    async start(config, logger) {
      const database = openDatabase(config, { migrationsDir: options.migrationsDir, logger });
      const lifecycle = new Lifecycle();
      lifecycle.startingUntil(database.migrated);
      const { app } = options.createApp({
        pool: database.pool,
        logger,
        lifecycle,
        readiness: { postgres: database.readiness },
        config,
      });
      return { app, lifecycle, close: () => database.close() };
    },
  });
}
