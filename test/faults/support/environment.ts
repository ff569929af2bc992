import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { answers } from '../../../test-support/backing-services.js';
import { natsServerBinary, startNatsServer, type OwnNatsServer } from '../../events/support/nats-server.js';
import { startLossyLink, type LossyLink } from './lossy-link.js';
import { postgresUnavailable, startPostgresServer, type OwnPostgresServer } from './postgres-server.js';
import { createFaultShop, SHOP_SERVICES, type FaultShop } from './shop.js';

/** What the matrix breaks: a PostgreSQL cluster and a NATS server of its own, and the shop on them. */
export interface FaultEnvironment {
  readonly postgres: OwnPostgresServer;
  readonly nats: OwnNatsServer;
  readonly shop: FaultShop;
  /** orders reaches NATS through this link, which a fault can make lose what orders sends. */
  readonly ordersToNats: LossyLink;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));

/** Why the matrix cannot run here (binaries missing, services not built), or undefined. */
export function faultsUnavailable(): string | undefined {
  const postgres = postgresUnavailable();
  if (postgres !== undefined) return postgres;
  if (natsServerBinary === undefined)
    return 'nats-server not found (set NATS_SERVER_BIN, or install it at /usr/sbin/nats-server)';
  const unbuilt = SHOP_SERVICES.filter((s) => !existsSync(`${repoRoot}services/${s}/dist/server.js`));
  if (unbuilt.length > 0) return `services not built (${unbuilt.join(', ')}): run npm run build`;
  return undefined;
}

/** Starts PostgreSQL and NATS of its own, creates the databases and starts the shop until it is ready. */
export async function startFaultEnvironment(): Promise<FaultEnvironment> {
  const postgres = await startPostgresServer();
  let nats: OwnNatsServer | undefined;
  let ordersToNats: LossyLink | undefined;
  let shop: FaultShop | undefined;
  try {
    nats = await startNatsServer();
    ordersToNats = await startLossyLink(nats.url);
    shop = await createFaultShop({
      postgresAdminUrl: postgres.url,
      natsUrl: nats.url,
      serviceEnv: { orders: { NATS_URL: ordersToNats.url } },
    });
    await shop.createDatabases();
    await shop.heal(60_000);
    return { postgres, nats, shop, ordersToNats };
  } catch (error) {
    await shop?.stopAll();
    await ordersToNats?.close();
    await nats?.destroy();
    await postgres.destroy();
    throw error;
  }
}

export async function stopFaultEnvironment(env: FaultEnvironment | undefined): Promise<void> {
  if (env === undefined) return;
  await env.shop.stopAll();
  await env.ordersToNats.close();
  await env.nats.destroy();
  await env.postgres.destroy();
}

/** Brings back whatever a fault left down: PostgreSQL, NATS, then every service (as Kubernetes would restart it). */
export async function restoreEnvironment(env: FaultEnvironment): Promise<void> {
  if (!env.postgres.isRunning()) await env.postgres.start();
  if (!(await answers(env.nats.url))) await env.nats.start();
  await env.shop.heal(60_000);
}

/** Creates `n` users through the users API, each its own subject (x-user-id); their ids. */
export async function createUsers(shop: FaultShop, n: number): Promise<string[]> {
  return Promise.all(
    Array.from({ length: n }, async () => {
      const id = `fault-${randomBytes(6).toString('hex')}`;
      const res = await fetch(`${shop.urls.users}/users`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-user-id': id },
        body: JSON.stringify({ name: 'Fault', email: `${id}@example.com` }),
      });
      if (res.status !== 201) throw new Error(`POST /users answered ${res.status}`);
      return id;
    }),
  );
}
