import { generateKeyPairSync, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { V1Pod } from '@kubernetes/client-node';
import { TokenSigner } from '@mesh-kit/catalog/token-signer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backingPodLossCheck, type PodLossTiming } from '../src/checks/backing-pod-loss.js';
import { Cluster } from '../src/cluster.js';
import { VerifyContext } from '../src/context.js';
import { Gateway } from '../src/gateway.js';
import { offlineKubeConfig } from './support/offline-kubeconfig.js';

/**
 * @models a cluster replacing a deleted PostgreSQL pod, and the shop behind the gateway meanwhile
 *
 * The pod-loss check's own steps (load, delete, wait for the replacement, read back, wait for
 * notifications, compare restarts) against a stand-in: a cluster whose PostgreSQL pod is replaced
 * a moment after it is deleted, and a gateway in front of a shop that answers 503 while it is
 * away. Each scenario breaks one promise and the check must name it.
 */
interface Scenario {
  /** The shop answers orders again this long after the new pod is Ready; undefined: never. */
  recoversAfterMs: number | undefined;
  /** orders' container restarts when the pod is deleted. */
  restartsOrders: boolean;
  /** The shop answers the first order placed after the pod is back 201 but keeps no record of it. */
  losesAnOrder: boolean;
}

const REPLACEMENT_READY_MS = 300;
const timing: PodLossTiming = {
  ratePerSecond: 40,
  warmupMs: 200,
  readyTimeoutMs: 2_000,
  tailMs: 300,
  pollMs: 50,
  readsPerSecond: 400,
  bounds: { recoveryMs: 600, minRequestsAfterRecovery: 5, notifyMs: 1_000 },
};

let scenario: Scenario;
let podUid = 'postgres-uid-1';
let deletedAt: number | undefined;
let ordersRestarts = 0;
const orders = new Map<string, { user: string; at: number; lost: boolean }>();

const readyAt = (): number | undefined => (deletedAt === undefined ? undefined : deletedAt + REPLACEMENT_READY_MS);
function shopDown(now: number): boolean {
  if (deletedAt === undefined || now < deletedAt) return false;
  const ready = readyAt()!;
  return scenario.recoversAfterMs === undefined || now < ready + scenario.recoversAfterMs;
}

/** The token's `sub`, as the gateway would pass it on (the stand-in trusts the signature). */
function subject(authorization: string | undefined): string {
  const payload = (authorization ?? '').replace(/^Bearer /, '').split('.')[1] ?? '';
  return (JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub: string }).sub;
}

const shop: Server = createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const now = Date.now();
    const user = subject(req.headers.authorization);
    const url = new URL(req.url ?? '/', 'http://gateway');
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (req.method === 'POST' && url.pathname === '/api/users') return json(201, { id: randomUUID() });
    if (req.method === 'POST' && url.pathname === '/api/orders') {
      if (shopDown(now)) return json(503, { title: 'Service Unavailable' });
      const id = randomUUID();
      const afterFault = deletedAt !== undefined;
      const lost = scenario.losesAnOrder && afterFault && ![...orders.values()].some((o) => o.lost);
      orders.set(id, { user, at: now, lost });
      return json(201, { id });
    }
    const byId = /^\/api\/orders\/([^/]+)$/.exec(url.pathname);
    if (req.method === 'GET' && byId !== null) {
      const order = orders.get(byId[1]!);
      return order === undefined || order.lost || order.user !== user
        ? json(404, { title: 'Not Found' })
        : json(200, { id: byId[1] });
    }
    if (req.method === 'GET' && url.pathname === '/api/notifications') {
      const mine = [...orders].filter(([, o]) => o.user === user && !o.lost && now - o.at > 100);
      // A page of the newest, as the service answers (`{items, nextCursor}`).
      const items = mine.slice(-Number(url.searchParams.get('limit') ?? 50)).map(([id]) => ({ orderId: id }));
      return json(200, { items, nextCursor: mine.length > items.length ? 'older' : null });
    }
    json(404, {});
  });
});

const ready = [{ type: 'Ready', status: 'True' }];
function servicePod(app: string, restarts: number): V1Pod {
  return {
    metadata: { name: `${app}-1`, uid: `${app}-uid`, labels: { app } },
    status: {
      phase: 'Running',
      conditions: ready,
      initContainerStatuses: [
        { name: 'istio-proxy', restartCount: 0, ready: true, image: 'proxy', imageID: '', started: true },
      ],
      containerStatuses: [{ name: app, restartCount: restarts, ready: true, image: app, imageID: '' }],
    },
  };
}

/** The cluster layer with the calls the check makes answered from the scenario. */
class StandInCluster extends Cluster {
  override async pods(_namespace: string, labelSelector?: string): Promise<V1Pod[]> {
    const now = Date.now();
    const postgres = (uid: string, terminating: boolean): V1Pod => ({
      metadata: {
        name: 'postgres-0',
        uid,
        labels: { app: 'postgres' },
        ...(terminating ? { deletionTimestamp: new Date(deletedAt!) } : {}),
      },
      status: { phase: 'Running', conditions: ready },
    });
    // The deleted pod lingers while it terminates (still Ready for a moment); the StatefulSet's
    // new pod with the same name is Ready REPLACEMENT_READY_MS after the deletion.
    const backing =
      deletedAt === undefined
        ? [postgres(podUid, false)]
        : now < deletedAt + 100
          ? [postgres('postgres-uid-1', true)]
          : now < readyAt()!
            ? []
            : [postgres(podUid, false)];
    const all = [servicePod('orders', ordersRestarts), servicePod('notifications', 0), ...backing];
    const app = labelSelector?.replace(/^app=/, '');
    return all.filter((p) => app === undefined || p.metadata?.labels?.app === app);
  }

  override async deletePod(_namespace: string, name: string): Promise<void> {
    expect(name).toBe('postgres-0');
    deletedAt = Date.now();
    podUid = 'postgres-uid-2';
    if (scenario.restartsOrders) ordersRestarts += 1;
  }
}

let signer: TokenSigner;
class StandInContext extends VerifyContext {
  override gateway(): Promise<Gateway> {
    return Promise.resolve(new Gateway(`http://127.0.0.1:${(shop.address() as AddressInfo).port}`, signer));
  }
}

const check = backingPodLossCheck({ name: 'postgres' }, 'postgres-loss', 'PostgreSQL pod deleted', timing);

async function run(s: Scenario): Promise<{ status: string; detail: string }> {
  scenario = s;
  podUid = 'postgres-uid-1';
  deletedAt = undefined;
  ordersRestarts = 0;
  orders.clear();
  // Never contacted: StandInCluster answers every call the check makes.
  const ctx = new StandInContext(new StandInCluster(offlineKubeConfig()), 'shop', () => undefined);
  return check.run(ctx);
}

beforeAll(async () => {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  signer = new TokenSigner({
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    issuer: 'mesh-kit',
    audience: 'shop',
  });
  await new Promise<void>((resolve) => shop.listen(0, '127.0.0.1', resolve));
});
afterAll(() => new Promise<void>((resolve) => shop.close(() => resolve())));

describe('the PostgreSQL pod-loss check, against a stand-in cluster and shop', () => {
  it('passes when orders fail only while the pod is away and every accepted order is kept and notified', async () => {
    const result = await run({ recoversAfterMs: 100, restartsOrders: false, losesAnOrder: false });
    expect(result.status, result.detail).toBe('pass');
    expect(result.detail).toMatch(
      // Ready again only once the new pod is, not while the deleted one terminates.
      /^postgres-0 deleted at 0\.\d s, Ready again 0\.[3-9] s later; \d+ orders: \d+ × 201, \d+ × 503;/,
    );
    expect(result.detail).toMatch(/; no restarts among 4 containers$/);
  });

  it('fails when a service container restarted', async () => {
    const result = await run({ recoversAfterMs: 100, restartsOrders: true, losesAnOrder: false });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/^service containers restarted: orders-1\/orders 0 → 1 — /);
  });

  it('fails naming an order that was answered 201 and is gone', async () => {
    const result = await run({ recoversAfterMs: 100, restartsOrders: false, losesAnOrder: true });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(
      /^1 accepted orders lost \(not readable\): [0-9a-f-]{36} \(404\); 1 accepted orders not notified within 1\.0 s: /,
    );
  });

  it('fails when the shop does not serve again after the pod is back', async () => {
    const result = await run({ recoversAfterMs: undefined, restartsOrders: false, losesAnOrder: false });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/^still failing \d\.\d s after postgres-0 was Ready \(bound 0\.6 s\); only 0 orders/);
  });
});
