import type { VerifyContext } from '../context.js';
import { appNames, catalog } from '../expectations.js';
import type { Gateway } from '../gateway.js';
import { pacedLoad, type LoadSample } from '../paced-load.js';
import {
  evaluatePodLoss,
  isReadyReplacement,
  restartCounts,
  restartsBetween,
  type PodLossBounds,
  type RestartCounts,
} from '../pod-loss.js';
import type { Check } from './check.js';

/** How hard and how long a pod-loss check drives the shop, and the bounds it judges by. */
export interface PodLossTiming {
  /** Orders per second through the gateway: well under its rate limit, enough to see a gap. */
  readonly ratePerSecond: number;
  /** Orders placed before the pod is deleted. */
  readonly warmupMs: number;
  readonly readyTimeoutMs: number;
  /** Orders keep coming this long after the recovery bound, to show they succeed again. */
  readonly tailMs: number;
  /** How often the pods and notifications are polled. */
  readonly pollMs: number;
  /** Pace of reading the accepted orders back (the gateway's rate limit applies to them too). */
  readonly readsPerSecond: number;
  readonly bounds: PodLossBounds;
}

export const POD_LOSS_TIMING: PodLossTiming = {
  ratePerSecond: 3,
  warmupMs: 5_000,
  readyTimeoutMs: 180_000,
  tailMs: 10_000,
  pollMs: 1_000,
  readsPerSecond: 10,
  bounds: { recoveryMs: 15_000, minRequestsAfterRecovery: 10, notifyMs: 60_000 },
};

/**
 * GET /api/notifications answers a caller's newest page, 50 by default; orders are spread over users
 * below that, so one page holds them all and no query string has to pass the gateway's path matching.
 */
const ORDERS_PER_USER = 45;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

interface Shopper {
  readonly id: string;
  readonly token: string;
}

/**
 * Deletes the pod of a backing service (PostgreSQL or NATS; its StatefulSet starts a new one) while
 * orders are placed through the gateway at a steady pace, and judges: no service container
 * restarted, orders succeed again soon after the new pod is Ready, every order answered 201 is
 * readable afterwards and reaches notifications. Nothing to restore: the StatefulSet recreates the
 * pod; the orders stay, as with the other checks.
 */
export function backingPodLossCheck(
  backing: { readonly name: string },
  id: string,
  title: string,
  timing: PodLossTiming = POD_LOSS_TIMING,
): Check {
  const { bounds } = timing;
  return {
    id,
    title,
    async run(ctx) {
      const gateway = await ctx.gateway();
      const [victim] = await ctx.cluster.readyPods(ctx.namespace, backing.name);
      const victimName = victim?.metadata?.name;
      const victimUid = victim?.metadata?.uid;
      if (victimName === undefined || victimUid === undefined) throw new Error(`no ${backing.name} pod`);
      const maxRequests = Math.ceil(
        (timing.ratePerSecond * (timing.warmupMs + timing.readyTimeoutMs + bounds.recoveryMs + timing.tailMs)) / 1000,
      );
      const users: Shopper[] = [];
      for (let i = 0; i < Math.ceil(maxRequests / ORDERS_PER_USER); i += 1) users.push(await gateway.newUser());
      const userOf = (n: number): Shopper => users[n % users.length]!;
      const before = await snapshot(ctx);

      const stop = new AbortController();
      const started = Date.now();
      const load = pacedLoad(
        async (n) => {
          const answer = await gateway.placeOrder(userOf(n).token);
          const orderId = (answer.body as { id?: unknown } | undefined)?.id;
          return { status: answer.status, ...(typeof orderId === 'string' ? { id: orderId } : {}) };
        },
        { ratePerSecond: timing.ratePerSecond, maxInFlight: 32, maxRequests, signal: stop.signal },
      );
      let deletedAt: number;
      let readyAt: number | undefined;
      try {
        await sleep(timing.warmupMs);
        ctx.log(`deleting pod ${victimName} under load`);
        deletedAt = Date.now() - started;
        await ctx.cluster.deletePod(ctx.namespace, victimName);
        readyAt = await waitForReplacement(ctx, backing.name, victimUid, started, timing);
        ctx.log(
          readyAt === undefined
            ? `${backing.name} not Ready again in ${timing.readyTimeoutMs} ms`
            : `${backing.name} Ready again; placing orders ${(bounds.recoveryMs + timing.tailMs) / 1000} s more`,
        );
        if (readyAt !== undefined)
          await sleep(Math.max(0, started + readyAt + bounds.recoveryMs + timing.tailMs - Date.now()));
      } finally {
        stop.abort();
      }
      const { samples } = await load;

      const accepted = samples.filter((s): s is LoadSample & { id: string } => s.status === 201 && s.id !== undefined);
      ctx.log(`reading back ${accepted.length} accepted orders`);
      const unreadable = await unreadableOrders(gateway, accepted, userOf, timing.readsPerSecond);
      ctx.log('waiting for the accepted orders in notifications');
      const notified = await waitForNotifications(gateway, accepted, userOf, users, timing);
      const after = await snapshot(ctx);
      return evaluatePodLoss({
        pod: victimName,
        deletedAt,
        readyAt,
        samples,
        restarts: restartsBetween(before, after),
        watchedContainers: before.size,
        unreadable,
        unnotified: notified.missing,
        notifiedAfterMs: notified.afterMs,
        bounds,
      });
    },
  };
}

export const postgresLossCheck = backingPodLossCheck(
  catalog.postgres,
  'postgres-loss',
  'PostgreSQL pod deleted under load → no restarts, recovers, no order lost',
);

export const natsLossCheck = backingPodLossCheck(
  catalog.nats,
  'nats-loss',
  'NATS pod deleted under load → no restarts, recovers, no order lost',
);

async function snapshot(ctx: VerifyContext): Promise<RestartCounts> {
  return restartCounts(await ctx.cluster.pods(ctx.namespace), appNames(ctx.catalog));
}

/** When (ms since `started`) a pod of `app` other than the deleted one is Ready; undefined after the timeout. */
async function waitForReplacement(
  ctx: VerifyContext,
  app: string,
  deletedUid: string,
  started: number,
  timing: PodLossTiming,
): Promise<number | undefined> {
  const deadline = Date.now() + timing.readyTimeoutMs;
  while (Date.now() < deadline) {
    const pods = await ctx.cluster.pods(ctx.namespace, `app=${app}`);
    if (pods.some((p) => isReadyReplacement(p, deletedUid))) return Date.now() - started;
    await sleep(timing.pollMs);
  }
  return undefined;
}

/** The accepted orders `GET /api/orders/:id` does not return to their owner, with the status it gave. */
async function unreadableOrders(
  gateway: Gateway,
  accepted: readonly (LoadSample & { id: string })[],
  userOf: (n: number) => Shopper,
  readsPerSecond: number,
): Promise<string[]> {
  const unreadable: string[] = [];
  const { samples } = await pacedLoad(
    async (i) => {
      const order = accepted[i]!;
      const answer = await gateway.send('GET', `/api/orders/${encodeURIComponent(order.id)}`, {
        token: userOf(order.n).token,
      });
      const id = (answer.body as { id?: unknown } | undefined)?.id;
      if (answer.status !== 200 || id !== order.id) unreadable.push(`${order.id} (${answer.status})`);
      return { status: answer.status };
    },
    {
      ratePerSecond: readsPerSecond,
      maxInFlight: 8,
      maxRequests: accepted.length,
      signal: new AbortController().signal,
    },
  );
  for (const s of samples.filter((x) => x.status === 0))
    unreadable.push(`${accepted[s.n]!.id} (${s.error ?? 'no answer'})`);
  return unreadable;
}

/** Polls each user's notifications until every accepted order is in them, or the bound passes. */
async function waitForNotifications(
  gateway: Gateway,
  accepted: readonly (LoadSample & { id: string })[],
  userOf: (n: number) => Shopper,
  users: readonly Shopper[],
  timing: PodLossTiming,
): Promise<{ missing: string[]; afterMs: number | undefined }> {
  const started = Date.now();
  const waiting = new Map(users.map((u) => [u.id, new Set<string>()]));
  for (const order of accepted) waiting.get(userOf(order.n).id)!.add(order.id);
  for (;;) {
    for (const user of users) {
      const ids = waiting.get(user.id)!;
      if (ids.size === 0) continue;
      const answer = await gateway.send('GET', '/api/notifications', { token: user.token });
      const items = (answer.body as { items?: unknown } | undefined)?.items;
      if (answer.status !== 200 || !Array.isArray(items)) continue;
      for (const n of items as { orderId?: unknown }[]) if (typeof n.orderId === 'string') ids.delete(n.orderId);
    }
    const missing = [...waiting.values()].flatMap((ids) => [...ids]);
    if (missing.length === 0) return { missing, afterMs: Date.now() - started };
    if (Date.now() - started > timing.bounds.notifyMs) return { missing, afterMs: undefined };
    await sleep(timing.pollMs);
  }
}
