import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { dropDatabases, ensureDatabases } from '../../../scripts/stack/databases.js';
import { readJsonLog } from '../../../test-support/json-log.js';
import { planStack, withDatabase, type PlannedService } from '../../../scripts/stack/plan.js';
import { bootstrapStreams } from '../../../scripts/stack/streams.js';
import { catalog } from '@mesh-kit/catalog';
import { startService, stopAll, waitReady, type RunningService } from '../../../scripts/stack/processes.js';
import { reservePortOffset } from '../../../test-support/port-offset.js';
import { callAsSidecar, routeOf } from '../../../test-support/sidecar-retries.js';

const SERVICES = ['users', 'products', 'payments', 'orders', 'notifications', 'analytics'] as const;
export type ShopService = (typeof SERVICES)[number];

/**
 * The shop's event path as local processes (node services/<name>/dist/server.js), wired from the
 * catalog like `npm run stack`, on fresh databases and the given NATS. Each process can be
 * killed and restarted on its own.
 */
export interface EventShop {
  readonly urls: Readonly<Record<ShopService, string>>;
  readonly logDir: string;
  db(service: 'orders' | 'payments' | 'notifications' | 'analytics'): pg.Pool;
  start(service: ShopService): Promise<void>;
  kill(service: ShopService, signal?: NodeJS.Signals): Promise<void>;
  isRunning(service: ShopService): boolean;
  logs(service: ShopService): Record<string, unknown>[];
  stop(): Promise<void>;
}

export interface EventShopOptions {
  /** The PostgreSQL the services connect to (e.g. a proxy the test controls). @default the admin URL's server */
  readonly servicePostgresUrl?: string;
  /** Wait for each service's /readyz at start. @default true */
  readonly waitReady?: boolean;
  /** Isolates the shop's streams on a shared NATS server. @default none (a server of the test's own) */
  readonly eventsNamespace?: string;
  /**
   * The broker as the bootstrap Job reaches it. `make deploy` runs the Job before any service
   * starts, so a test that starts the services with the broker away (behind a refusing proxy) still
   * finds the streams made when it was there. @default the services' natsUrl
   */
  readonly bootstrapNatsUrl?: string;
  /** Env of one service over the catalog's (e.g. payments' PAYMENTS_ADDED_LATENCY_MS). */
  readonly serviceEnv?: Partial<Record<ShopService, Record<string, string>>>;
}

export async function startEventShop(
  natsUrl: string,
  env: Record<string, string> = {},
  options: EventShopOptions = {},
): Promise<EventShop> {
  const { postgresAdminUrl } = inject('backing');
  const databasePrefix = `ev_${randomBytes(3).toString('hex')}_`;
  const logDir = mkdtempSync(join(tmpdir(), 'mesh-kit-events-'));
  const ports = await reservePortOffset();
  const plan = planStack({
    postgresAdminUrl: options.servicePostgresUrl ?? postgresAdminUrl,
    natsUrl,
    databasePrefix,
    portOffset: ports.offset,
    host: '127.0.0.1',
    sharedEnv: { LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '5000', ...env },
    only: [...SERVICES],
    ...(options.eventsNamespace === undefined ? {} : { eventsNamespace: options.eventsNamespace }),
  });
  const planned = new Map(
    plan.map((s) => {
      const extra = options.serviceEnv?.[s.name as ShopService] ?? {};
      return [s.name as ShopService, { ...s, env: { ...s.env, ...extra } }] as [ShopService, PlannedService];
    }),
  );
  const ownDatabases = plan.flatMap((s) => (s.database === undefined ? [] : [s.database]));
  // Created directly on the server, whatever the services' own way to it is doing.
  await ensureDatabases(postgresAdminUrl, ownDatabases);
  await bootstrapStreams(options.bootstrapNatsUrl ?? natsUrl, options.eventsNamespace ?? '', catalog);
  const pools = new Map<string, pg.Pool>();
  const running = new Map<ShopService, RunningService>();

  const start = async (service: ShopService): Promise<void> => {
    const started = startService(planned.get(service)!, logDir);
    running.set(service, started);
    if (options.waitReady !== false) await waitReady(started, 30_000);
  };
  const dropOwnDatabases = (): Promise<void> => dropDatabases(postgresAdminUrl, ownDatabases);
  try {
    for (const service of SERVICES) await start(service);
  } catch (error) {
    // Leave nothing running behind a failed start (afterAll has no shop to stop).
    await stopAll([...running.values()], 10_000);
    await dropOwnDatabases();
    ports.release();
    throw error;
  }

  return {
    urls: Object.fromEntries(plan.map((s) => [s.name, s.url])) as Record<ShopService, string>,
    logDir,
    db(service) {
      let pool = pools.get(service);
      if (pool === undefined) {
        pool = new pg.Pool({ connectionString: withDatabase(postgresAdminUrl, `${databasePrefix}${service}`), max: 3 });
        pools.set(service, pool);
      }
      return pool;
    },
    start,
    async kill(service, signal = 'SIGKILL') {
      const r = running.get(service);
      if (r === undefined || r.child.exitCode !== null || r.child.signalCode !== null) return;
      r.child.kill(signal);
      await r.exited;
    },
    isRunning(service) {
      const r = running.get(service);
      return r !== undefined && r.child.exitCode === null && r.child.signalCode === null;
    },
    logs(service) {
      return readJsonLog(join(logDir, `${service}.log`));
    },
    async stop() {
      await stopAll([...running.values()], 10_000);
      await Promise.all([...pools.values()].map((p) => p.end()));
      await dropOwnDatabases();
      ports.release();
    },
  };
}

const placeOrderRoute = routeOf(catalog.services, 'orders', 'POST', '/orders');

/** A client of the shop's HTTP APIs, as the gateway would call them. */
export function shopClient(shop: EventShop) {
  const call = async (
    service: ShopService,
    method: string,
    path: string,
    headers: Record<string, string> = {},
    body?: unknown,
  ) => {
    const res = await fetch(`${shop.urls[service]}${path}`, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of several shapes, asserted by each test
    return { status: res.status, body: (text === '' ? undefined : JSON.parse(text)) as any };
  };
  return {
    call,
    /** Registers a new subject's own profile (x-user-id); its id. */
    async createUser(): Promise<string> {
      const id = `events-${randomBytes(6).toString('hex')}`;
      const created = await call(
        'users',
        'POST',
        '/users',
        { 'x-user-id': id },
        { name: 'Events', email: `${id}@example.com` },
      );
      if (created.status !== 201) throw new Error(`POST /users answered ${created.status}`);
      return id;
    },
    /**
     * Places one order; resolves with its id, or throws with the status. Retried with the same
     * Idempotency-Key as the gateway's sidecar retries POST /orders (a 503 of a cold connection on a
     * busy machine is what the mesh absorbs); a replay answers the original order.
     */
    async placeOrder(userId: string, headers: Record<string, string> = {}): Promise<string> {
      const key = randomBytes(8).toString('hex');
      const placed = await callAsSidecar(placeOrderRoute, () =>
        call(
          'orders',
          'POST',
          '/orders',
          { 'x-user-id': userId, 'idempotency-key': key, ...headers },
          { items: [{ sku: 'tea-01', quantity: 2 }] },
        ),
      );
      if (placed.status !== 201)
        throw new Error(`POST /orders answered ${placed.status}: ${JSON.stringify(placed.body)}`);
      return placed.body.id as string;
    },
  };
}

/** Polls `read` until `done` holds or `withinMs` passes; returns the last value. */
export async function eventually<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  withinMs = 20_000,
): Promise<T> {
  const until = Date.now() + withinMs;
  for (;;) {
    const value = await read();
    if (done(value) || Date.now() > until) return value;
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The single value `sql` selects, as a number. */
export async function count(pool: pg.Pool, sql: string, params: unknown[] = []): Promise<number> {
  const { rows } = await pool.query<Record<string, unknown>>(sql, params);
  return Number(Object.values(rows[0]!)[0]);
}
