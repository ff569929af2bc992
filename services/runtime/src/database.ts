import type pg from 'pg';
import { z } from 'zod';
import type { Logger } from 'pino';
import { postgresUrl } from './config.js';
import { PatientPool } from './patient-pool.js';

/** Settings of every service that owns a database. */
export const databaseConfigSchema = z.object({
  /** The service's runtime role: DML on its own tables, a connection limit and a statement timeout. */
  DATABASE_URL: postgresUrl,
  /** The database owner's role, for the migrations at start-up only. @default DATABASE_URL */
  DATABASE_MIGRATION_URL: postgresUrl.optional(),
  /**
   * Longest a request waits for a pooled connection (queueing plus connecting). Keep it below the
   * service's route timeouts in the catalog (a test checks): a request that cannot get a connection
   * then answers 503 itself instead of hanging until the sidecar gives up. A connection attempt
   * outlives the wait (see PatientPool), so a PostgreSQL slower than this to accept still gets connected.
   */
  DATABASE_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(10).max(30_000).default(250),
  /** Connections of the request pool. */
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(100).default(10),
  /** /readyz's own connection: how long its SELECT 1 (connecting included) may take. */
  DATABASE_PROBE_TIMEOUT_MS: z.coerce.number().int().min(10).max(30_000).default(500),
});
export type DatabaseConfig = z.output<typeof databaseConfigSchema>;

/** How long an idle pooled connection is kept. */
const IDLE_CONNECTION_MS = 60_000;

export interface PoolOptions {
  readonly logger: Logger;
  /** @default 10 */
  readonly max?: number;
  /** How long a caller waits for a connection (PatientPool's waitMillis). @default 250 */
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
  const pool = new PatientPool({
    connectionString,
    max: options.max ?? 10,
    waitMillis: options.connectionTimeoutMillis ?? 250,
    // Connections outlive a quiet spell (pg's default closes them after 10 s idle). Otherwise the
    // burst that follows one (a broker back after an outage, its backlog arriving at once) opens
    // many connections together, and on a busy 2-core machine PostgreSQL's start-up of each
    // outlasted the connect timeout: 503s after the fault had ended (the fault matrix's NATS row).
    idleTimeoutMillis: IDLE_CONNECTION_MS,
    // Lets the kernel notice a peer that vanished without closing (a node lost, a network cut).
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
  });
  watchConnections(pool, logger);
  return pool;
}

/** Logs, rather than throws, the errors of every client `pool` makes. */
export function watchConnections(pool: pg.Pool, logger: Logger): void {
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
