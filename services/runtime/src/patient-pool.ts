import pg from 'pg';

/** How long one attempt to open a connection may take before pg gives up on it. */
export const CONNECT_ATTEMPT_MS = 5_000;

export interface PatientPoolConfig extends pg.PoolConfig {
  /**
   * Longest a caller waits for a connection (queueing plus connecting), then it gets
   * `timeout exceeded when trying to connect`. The attempt it started goes on.
   */
  readonly waitMillis: number;
  /** @default CONNECT_ATTEMPT_MS */
  readonly connectionTimeoutMillis?: number;
}

type ConnectCallback = (
  err: Error | undefined,
  client: pg.PoolClient | undefined,
  done: (release?: unknown) => void,
) => void;

/**
 * A pg.Pool whose callers stop waiting before its connection attempts stop trying.
 *
 * pg-pool has one timeout for both (node_modules/pg-pool/index.js, pg-pool 3.14.0, `newClient`:
 * the attempt's stream is destroyed when `connectionTimeoutMillis` passes). With the short wait a
 * request needs, a PostgreSQL that takes longer than that to accept a connection (starved of CPU,
 * failing over, or busy with every pool reconnecting at once) never gets one: each attempt is cut
 * off, the next request starts another, and the storm of attempts keeps it slow. Here a caller
 * gives up after `waitMillis` and the attempt goes on for up to `connectionTimeoutMillis`; the
 * connection it opens joins the pool for the requests that follow.
 */
export class PatientPool extends pg.Pool {
  readonly waitMillis: number;

  constructor(config: PatientPoolConfig) {
    const { waitMillis, ...poolConfig } = config;
    super({ ...poolConfig, connectionTimeoutMillis: config.connectionTimeoutMillis ?? CONNECT_ATTEMPT_MS });
    this.waitMillis = waitMillis;
  }

  override connect(): Promise<pg.PoolClient>;
  override connect(callback: ConnectCallback): void;
  // pg-pool's own query() calls connect with a callback (pg-pool 3.14.0 index.js, `query`), so
  // pool.query waits no longer than a checkout does.
  override connect(callback?: ConnectCallback): Promise<pg.PoolClient> | void {
    const waited = this.waitForClient();
    if (callback === undefined) return waited;
    waited.then(
      (client) => callback(undefined, client, (release) => client.release(release as Error | boolean | undefined)),
      (error: Error) => callback(error, undefined, () => undefined),
    );
  }

  private waitForClient(): Promise<pg.PoolClient> {
    const acquiring = super.connect();
    return new Promise((resolve, reject) => {
      let gaveUp = false;
      const timer = setTimeout(() => {
        gaveUp = true;
        reject(new Error(`timeout exceeded when trying to connect (waited ${this.waitMillis} ms)`));
      }, this.waitMillis);
      acquiring.then(
        (client) => {
          clearTimeout(timer);
          // Too late for this caller: the connection goes to the pool for the next one.
          if (gaveUp) client.release();
          else resolve(client);
        },
        (error: unknown) => {
          clearTimeout(timer);
          if (!gaveUp) reject(error as Error);
        },
      );
    });
  }
}
