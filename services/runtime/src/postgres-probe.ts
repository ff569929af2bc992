import type pg from 'pg';
import type { Logger } from 'pino';
import { watchConnections } from './database.js';
import { PatientPool } from './patient-pool.js';
import type { ReadinessCheck } from './health.js';

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
  // Patient: a connection that takes longer than one probe to open is there for the next probe.
  const pool = new PatientPool({
    connectionString,
    max: 1,
    waitMillis: options.timeoutMs,
    query_timeout: options.timeoutMs,
    idleTimeoutMillis: 0,
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
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
