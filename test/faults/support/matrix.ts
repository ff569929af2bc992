import { catalog } from '@mesh-kit/catalog';
import { setTimeout as sleep } from 'node:timers/promises';
import type { FaultEnvironment } from './environment.js';
import { SHOP_SERVICES, type ShopService } from './shop.js';

/** What a fault's run reports back: when the fault began and ended, and anything it saw go wrong. */
export interface FaultMarks {
  /** The fault begins now (default: when `run` is called). */
  began(): void;
  /** The fault is over now (default: when `run` resolves). */
  ended(): void;
  /** Something the fault itself checks failed (e.g. an unclean exit on SIGTERM). */
  violation(message: string): void;
  /** Every request that starts at or after `from` and ends by `to` must succeed (`what` names the period). */
  quiet(from: number, to: number, what: string): void;
}

export interface Fault {
  readonly id: string;
  readonly title: string;
  /** Before the load starts: e.g. stop everything for a cold start. */
  readonly prepare?: (env: FaultEnvironment) => Promise<void>;
  /** Load before the fault begins, in ms. @default 1500 */
  readonly warmupMs?: number;
  /**
   * Services whose /readyz must not fail 3 probes in a row (a kubelet's failureThreshold) while
   * the load runs: the fault does not stop them from serving, so readiness must not say otherwise.
   */
  readonly staysReady: readonly ShopService[];
  /** Breaks something while the load runs, and ends the fault (as Kubernetes or an operator would). */
  readonly run: (env: FaultEnvironment, marks: FaultMarks) => Promise<void>;
}

/** How long PostgreSQL and NATS stay down, and how long a slow or failing payments lasts. */
export const OUTAGE_MS = 10_000;
export const DEGRADED_MS = 8_000;
/** How long orders' events are lost on the way to NATS before orders is killed. */
const IN_FLIGHT_MS = 1_000;

async function confirmedOrders(env: FaultEnvironment): Promise<number> {
  const rows = await env.shop.query<{ n: string }>(
    'orders',
    "SELECT count(*) AS n FROM orders WHERE status <> 'pending'",
  );
  return Number(rows[0]!.n);
}

async function restartService(
  env: FaultEnvironment,
  service: ShopService,
  signal: NodeJS.Signals,
  marks: FaultMarks,
  extraEnv: Record<string, string> = {},
): Promise<void> {
  const code = await env.shop.kill(service, signal);
  if (signal === 'SIGTERM' && code !== 0) marks.violation(`${service} exited ${String(code)} on SIGTERM`);
  env.shop.spawn(service, extraEnv);
}

/** Payments restarted with a demo knob on for DEGRADED_MS, then restarted without it. */
async function withPayments(
  env: FaultEnvironment,
  marks: FaultMarks,
  knob: Record<string, string>,
  what: string,
  quiet: boolean,
): Promise<void> {
  await restartService(env, 'payments', 'SIGTERM', marks, knob);
  await env.shop.waitReady('payments');
  const from = Date.now();
  await sleep(DEGRADED_MS);
  if (quiet) marks.quiet(from, Date.now(), `while payments was ${what}`);
  await restartService(env, 'payments', 'SIGTERM', marks);
  await env.shop.waitReady('payments');
}

const sigterm = (service: ShopService): Fault => ({
  id: `sigterm-${service}`,
  title: `SIGTERM ${service}`,
  staysReady: SHOP_SERVICES.filter((s) => s !== service),
  async run(env, marks) {
    await restartService(env, service, 'SIGTERM', marks);
  },
});

/** The fault matrix of issue 9, in the order it runs. */
export const FAULTS: readonly Fault[] = [
  {
    id: 'pg-terminate',
    staysReady: ['payments'],
    title: 'PostgreSQL connections terminated ×3',
    async run(env) {
      for (let i = 0; i < 3; i++) {
        if (i > 0) await sleep(1_500);
        await env.postgres.terminateConnections();
      }
    },
  },
  {
    id: 'pg-stop',
    // Only a service that owns no database can serve while PostgreSQL is down (payments keeps its
    // authorizations in PostgreSQL now, so it leaves the rotation too).
    staysReady: SHOP_SERVICES.filter((s) => catalog.services.find((spec) => spec.name === s)?.database === undefined),
    title: 'PostgreSQL stopped 10 s',
    async run(env) {
      await env.postgres.stop();
      await sleep(OUTAGE_MS);
      await env.postgres.start();
    },
  },
  {
    id: 'cold-start',
    staysReady: [],
    title: 'services start before PostgreSQL and NATS',
    warmupMs: 0,
    async prepare(env) {
      await env.shop.stopAll();
      await env.nats.stop();
      await env.postgres.stop();
    },
    async run(env) {
      for (const service of SHOP_SERVICES) env.shop.spawn(service);
      await sleep(5_000);
      await env.postgres.start();
      await env.nats.start();
    },
  },
  {
    id: 'nats-stop',
    staysReady: ['users', 'products', 'payments', 'orders'],
    title: 'NATS stopped 10 s',
    async run(env) {
      await env.nats.stop();
      await sleep(OUTAGE_MS);
      await env.nats.start();
    },
  },
  {
    id: 'nats-restart',
    staysReady: ['users', 'products', 'payments', 'orders'],
    title: 'NATS restarted',
    async run(env) {
      await env.nats.stop();
      await env.nats.start();
    },
  },
  {
    id: 'payments-slow',
    title: 'payments answers after 2 s',
    // A slow dependency slows orders down; it must not fail them (2 s is well within the client's 5 s).
    staysReady: ['users', 'products', 'orders', 'notifications', 'analytics'],
    run: (env, marks) => withPayments(env, marks, { PAYMENTS_ADDED_LATENCY_MS: '2000' }, 'slow', true),
  },
  {
    id: 'payments-failing',
    title: 'payments fails 50 % (503)',
    staysReady: ['users', 'products', 'orders', 'notifications', 'analytics'],
    run: (env, marks) => withPayments(env, marks, { PAYMENTS_FAILURE_RATE: '0.5' }, 'failing', false),
  },
  {
    id: 'kill-orders',
    staysReady: ['users', 'products', 'payments', 'notifications', 'analytics'],
    title: 'kill -9 orders with events in flight',
    async run(env, marks) {
      // An order's event is at risk only for the millisecond between its commit and the broker's
      // acknowledgement; a kill at a random moment almost never lands there. So for the last second
      // before the kill the link from orders to NATS loses what orders sends: every order of that
      // second has its event in flight when the process dies. Only events still pending in the
      // outbox survive that (not an in-memory queue, not a row marked published before the
      // broker acknowledged it, not a publish beside the commit).
      const link = env.ordersToNats;
      const before = await confirmedOrders(env);
      const droppedBefore = link.dropped;
      link.loseTraffic();
      try {
        await sleep(IN_FLIGHT_MS);
        await env.shop.kill('orders', 'SIGKILL');
      } finally {
        link.restore();
      }
      const inFlight = (await confirmedOrders(env)) - before;
      if (inFlight < 5 || link.dropped === droppedBefore) {
        marks.violation(
          `no events in flight at the kill: ${inFlight} orders, ${link.dropped - droppedBefore} bytes lost`,
        );
      }
      await sleep(500);
      env.shop.spawn('orders');
    },
  },
  {
    id: 'kill-notifications',
    staysReady: ['users', 'products', 'payments', 'orders', 'analytics'],
    title: 'kill -9 notifications mid-batch',
    async run(env, marks) {
      // Frozen for 2 s, a backlog builds; killed as soon as the first of it is written.
      const notified = async (): Promise<number> =>
        Number((await env.shop.query<{ n: string }>('notifications', 'SELECT count(*) AS n FROM notifications'))[0]!.n);
      env.shop.pause('notifications');
      await sleep(2_000);
      const before = await notified();
      env.shop.resume('notifications');
      const until = Date.now() + 2_000;
      while ((await notified()) === before && Date.now() < until) await sleep(2);
      await env.shop.kill('notifications', 'SIGKILL');
      const placed = await confirmedOrders(env);
      const atKill = await notified();
      if (atKill === before || atKill >= placed) {
        marks.violation(`not killed mid-batch: ${atKill - before} of the backlog written, ${placed - atKill} left`);
      }
      env.shop.spawn('notifications');
    },
  },
  ...SHOP_SERVICES.map(sigterm),
];

/** The faults whose ids are listed (all when the list is empty); unknown ids are an error naming them. */
export function selectFaults(ids: readonly string[]): Fault[] {
  if (ids.length === 0) return [...FAULTS];
  const unknown = ids.filter((id) => !FAULTS.some((f) => f.id === id));
  if (unknown.length > 0) {
    throw new Error(`unknown fault ${unknown.join(', ')}; known: ${FAULTS.map((f) => f.id).join(', ')}`);
  }
  return FAULTS.filter((f) => ids.includes(f.id));
}
