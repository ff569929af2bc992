/**
 * The order path against its anchor (scripts/bench/bare-order-server.ts): the same new order
 * through the kit's services and through four bare node:http processes, paced at one rate in
 * interleaved rounds, with each process's CPU per order.
 */
import { randomUUID } from 'node:crypto';
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuSeconds } from './measure.js';
import { paced, type PacedRequest } from './paced.js';
import type { OrderStackFigures } from './results.js';

/** The processes of one way to place an order, by service name, and where orders listens. */
export interface OrderStack {
  readonly label: string;
  readonly ordersUrl: string;
  /** Where a new user is registered before each round (the kit's users; the anchor shares its database). */
  readonly usersUrl: string;
  readonly pids: Readonly<Record<string, number>>;
}

export const ANCHOR_ROLES = ['users', 'products', 'payments', 'orders'] as const;

export interface AnchorProps {
  /** Ports of users, products, payments and orders, in ANCHOR_ROLES order. */
  readonly ports: readonly number[];
  /** The kit's database URL of each role that has one. */
  readonly databaseUrls: Readonly<Record<string, string>>;
  readonly natsUrl: string;
  /** NODE_OPTIONS, the services' own so that the stacks differ by code alone. */
  readonly nodeOptions: string;
  /** The kit's EVENTS_NAMESPACE, so both publish to the same stream. @default '' (none) */
  readonly eventsNamespace?: string;
  /**
   * How long a request waits for a pooled connection (DATABASE_CONNECT_TIMEOUT_MS).
   * @default the environment's DATABASE_CONNECT_TIMEOUT_MS, else the services' 250 ms
   */
  readonly connectTimeoutMs?: number;
}

/** Starts the anchor's four processes; resolves once each listens. */
export async function startAnchor(props: AnchorProps): Promise<{ children: ChildProcess[]; stack: OrderStack }> {
  const url = (role: string): string => `http://127.0.0.1:${props.ports[ANCHOR_ROLES.indexOf(role as never)]}`;
  const children = ANCHOR_ROLES.map((role, i) =>
    spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./bare-order-server.ts', import.meta.url))], {
      env: {
        ...process.env,
        ROLE: role,
        PORT: String(props.ports[i]),
        DATABASE_URL: props.databaseUrls[role] ?? '',
        NATS_URL: props.natsUrl,
        EVENTS_NAMESPACE: props.eventsNamespace ?? '',
        USERS_URL: url('users'),
        PRODUCTS_URL: url('products'),
        PAYMENTS_URL: url('payments'),
        NODE_OPTIONS: props.nodeOptions,
        ...(props.connectTimeoutMs === undefined
          ? {}
          : { DATABASE_CONNECT_TIMEOUT_MS: String(props.connectTimeoutMs) }),
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    }),
  );
  await Promise.all(
    children.map(
      (child, i) =>
        new Promise<void>((resolve, reject) => {
          child.stdout!.once('data', () => resolve());
          child.once('exit', (code) => reject(new Error(`anchor ${ANCHOR_ROLES[i]} exited (${String(code)})`)));
        }),
    ),
  );
  return {
    children,
    stack: {
      label: 'bare',
      ordersUrl: url('orders'),
      usersUrl: '',
      pids: Object.fromEntries(ANCHOR_ROLES.map((role, i) => [role, children[i]!.pid!])),
    },
  };
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const round = (n: number, digits: number): number => Number(n.toFixed(digits));

async function newUser(usersUrl: string): Promise<string> {
  const id = randomUUID();
  const res = await fetch(`${usersUrl}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': id },
    body: JSON.stringify({ name: 'Bench', email: `bench-${id}@example.com` }),
  });
  if (res.status !== 201) throw new Error(`registering a bench user answered ${res.status}`);
  return id;
}

/** One new order of `userId` (two mugs), with a fresh Idempotency-Key. */
export function newOrderRequest(userId: string): PacedRequest {
  const body = JSON.stringify({ items: [{ sku: 'mug-001', quantity: 2 }] });
  return {
    method: 'POST',
    path: '/orders',
    body,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'x-user-id': userId,
      'idempotency-key': randomUUID(),
    },
  };
}

/**
 * Paces orders at `rate` through each stack in turn for `seconds`, `rounds` times (each round a new
 * user, so payments' per-user velocity query reads the same few rows in every stack), after a
 * warm-up of each; each figure is the median of its rounds.
 */
export async function compareOrderStacks(
  stacks: readonly OrderStack[],
  registerUsersAt: string,
  rate: number,
  seconds: number,
  rounds: number,
): Promise<OrderStackFigures[]> {
  const samples = stacks.map(() => [] as { cpu: Record<string, number>; r: Awaited<ReturnType<typeof paced>> }[]);
  for (const stack of stacks) {
    const userId = await newUser(stack.usersUrl || registerUsersAt);
    await paced(stack.ordersUrl, rate, 3, () => newOrderRequest(userId));
  }
  for (let i = 0; i < rounds; i++) {
    for (const [s, stack] of stacks.entries()) {
      const userId = await newUser(stack.usersUrl || registerUsersAt);
      const names = Object.keys(stack.pids);
      const before = names.map((name) => cpuSeconds(stack.pids[name]!));
      const r = await paced(stack.ordersUrl, rate, seconds, () => newOrderRequest(userId));
      const placed = Math.max(1, r.ok);
      const cpu = Object.fromEntries(
        names.map((name, n) => [name, ((cpuSeconds(stack.pids[name]!) - before[n]!) * 1e3) / placed]),
      );
      samples[s]!.push({ cpu, r });
    }
  }
  return stacks.map((stack, s) => {
    const runs = samples[s]!;
    const names = Object.keys(stack.pids);
    return {
      label: stack.label,
      cpuMsPerOrder: Object.fromEntries(names.map((name) => [name, round(median(runs.map((x) => x.cpu[name]!)), 2)])),
      cpuMsPerOrderRounds: runs.map((x) =>
        round(
          Object.values(x.cpu).reduce((a, b) => a + b, 0),
          2,
        ),
      ),
      achievedPerSecond: round(median(runs.map((x) => x.r.achievedPerSecond)), 0),
      p50Ms: round(median(runs.map((x) => x.r.p50Ms)), 1),
      p99Ms: round(median(runs.map((x) => x.r.p99Ms)), 1),
      failed: runs.reduce((sum, x) => sum + x.r.failed, 0),
    };
  });
}
