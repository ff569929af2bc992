import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ensureDatabases } from '../../../scripts/stack/databases.js';
import { planStack, withDatabase, type PlannedService } from '../../../scripts/stack/plan.js';
import { bootstrapStreams } from '../../../scripts/stack/streams.js';
import { catalog } from '@mesh-kit/catalog';
import { startService, waitReady, type RunningService } from '../../../scripts/stack/processes.js';
import { reservePortOffset } from '../../../test-support/port-offset.js';

export const SHOP_SERVICES = ['users', 'products', 'payments', 'orders', 'notifications', 'analytics'] as const;
export type ShopService = (typeof SHOP_SERVICES)[number];
export type DatabaseService = 'users' | 'products' | 'orders' | 'notifications' | 'analytics';

/** A process that ended without the harness asking it to. */
export interface UnexpectedExit {
  readonly service: ShopService;
  readonly code: number | string;
  readonly at: number;
  readonly logFile: string;
}

/**
 * The shop's services as local processes (dist/server.js), wired from the catalog like
 * `npm run stack`, against a PostgreSQL and a NATS the caller owns. Every exit the harness did
 * not cause is recorded: that is what the matrix means by "a process died".
 */
export interface FaultShop {
  readonly urls: Readonly<Record<ShopService, string>>;
  readonly logDir: string;
  readonly databases: readonly string[];
  /** Spawns the service (with extra env for this run only); does not wait for it. */
  spawn(service: ShopService, env?: Readonly<Record<string, string>>): void;
  waitReady(service: ShopService, withinMs?: number): Promise<void>;
  /** Sends `signal` and waits for the exit; resolves with the exit code or signal name. */
  kill(service: ShopService, signal: NodeJS.Signals): Promise<number | string | undefined>;
  /** SIGSTOP / SIGCONT of the process (its sockets stay open, nothing answers). */
  pause(service: ShopService): void;
  resume(service: ShopService): void;
  isRunning(service: ShopService): boolean;
  /** Exits no one asked for, since the start or the last `takeUnexpectedExits`. */
  takeUnexpectedExits(): UnexpectedExit[];
  /** Starts every service that is not running (as Kubernetes would), with the default env, and waits until all are ready. */
  heal(withinMs?: number): Promise<void>;
  /** Creates the services' databases (what the cluster's init Job does). */
  createDatabases(): Promise<void>;
  /** Runs `sql` on a service's database over a fresh connection. */
  query<R extends pg.QueryResultRow>(service: DatabaseService, sql: string, params?: unknown[]): Promise<R[]>;
  /** SIGTERM to all (SIGKILL after 10 s); these exits are expected. */
  stopAll(): Promise<void>;
}

export interface FaultShopOptions {
  readonly postgresAdminUrl: string;
  readonly natsUrl: string;
  /** Extra env for every service. */
  readonly env?: Readonly<Record<string, string>>;
  /** Extra env for one service (after `env`). */
  readonly serviceEnv?: Partial<Record<ShopService, Readonly<Record<string, string>>>>;
}

export async function createFaultShop(options: FaultShopOptions): Promise<FaultShop> {
  const databasePrefix = 'faults_';
  const logDir = mkdtempSync(join(tmpdir(), 'mesh-kit-faults-'));
  const ports = await reservePortOffset();
  const portOffset = ports.offset;
  const plan = planStack({
    postgresAdminUrl: options.postgresAdminUrl,
    natsUrl: options.natsUrl,
    databasePrefix,
    portOffset,
    host: '127.0.0.1',
    sharedEnv: { LOG_LEVEL: 'info', SHUTDOWN_TIMEOUT_MS: '3000', OUTBOX_POLL_INTERVAL_MS: '500', ...options.env },
    only: [...SHOP_SERVICES],
  });
  const planned = new Map(
    plan.map((s): [ShopService, PlannedService] => {
      const name = s.name as ShopService;
      return [name, { ...s, env: { ...s.env, ...options.serviceEnv?.[name] } }];
    }),
  );
  const databases = plan.flatMap((s) => (s.database === undefined ? [] : [s.database]));
  // As the stack does: the streams come from the bootstrap once the broker answers (the harness may start it later).
  void bootstrapStreams(options.natsUrl, '', catalog).catch(() => undefined);
  const running = new Map<ShopService, RunningService>();
  const expectedExits = new Set<RunningService>();
  let unexpected: UnexpectedExit[] = [];

  const isRunning = (service: ShopService): boolean => {
    const r = running.get(service);
    return r !== undefined && r.child.exitCode === null && r.child.signalCode === null;
  };
  const spawn = (service: ShopService, env: Readonly<Record<string, string>> = {}): void => {
    if (isRunning(service)) throw new Error(`${service} is already running`);
    const spec = planned.get(service)!;
    const started = startService({ ...spec, env: { ...spec.env, ...env } }, logDir);
    running.set(service, started);
    void started.exited.then((code) => {
      if (!expectedExits.has(started)) unexpected.push({ service, code, at: Date.now(), logFile: started.logFile });
    });
  };
  const kill = async (service: ShopService, signal: NodeJS.Signals): Promise<number | string | undefined> => {
    const r = running.get(service);
    if (r === undefined || !isRunning(service)) return undefined;
    expectedExits.add(r);
    r.child.kill('SIGCONT');
    r.child.kill(signal);
    return r.exited;
  };
  const waitFor = async (service: ShopService, withinMs = 30_000): Promise<void> => {
    const r = running.get(service);
    if (r === undefined) throw new Error(`${service} was never started`);
    await waitReady(r, withinMs);
  };

  return {
    urls: Object.fromEntries(plan.map((s) => [s.name, s.url])) as Record<ShopService, string>,
    logDir,
    databases,
    spawn,
    waitReady: waitFor,
    kill,
    pause: (service) => running.get(service)?.child.kill('SIGSTOP'),
    resume: (service) => running.get(service)?.child.kill('SIGCONT'),
    isRunning,
    takeUnexpectedExits() {
      const taken = unexpected;
      unexpected = [];
      return taken;
    },
    async heal(withinMs = 30_000) {
      for (const service of SHOP_SERVICES) if (!isRunning(service)) spawn(service);
      await Promise.all(SHOP_SERVICES.map((s) => waitFor(s, withinMs)));
    },
    createDatabases: () => ensureDatabases(options.postgresAdminUrl, databases),
    async query<R extends pg.QueryResultRow>(service: DatabaseService, sql: string, params: unknown[] = []) {
      const client = new pg.Client({
        connectionString: withDatabase(options.postgresAdminUrl, `${databasePrefix}${service}`),
      });
      client.on('error', () => undefined);
      await client.connect();
      try {
        return (await client.query<R>(sql, params)).rows;
      } finally {
        await client.end().catch(() => undefined);
      }
    },
    async stopAll() {
      const all = SHOP_SERVICES.filter(isRunning);
      const killer = setTimeout(() => {
        for (const s of all) running.get(s)?.child.kill('SIGKILL');
      }, 10_000);
      await Promise.all(all.map((s) => kill(s, 'SIGTERM')));
      clearTimeout(killer);
      ports.release();
    },
  };
}
