import { fileURLToPath } from 'node:url';
import { generateSigningKeys } from '../../scripts/secrets.js';
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { apiKeyCheckSettings, catalog } from '@mesh-kit/catalog';

// The services' own waits, from their validated config, against the route timeouts in the catalog:
// a request that cannot get a database connection must fail (503) before the sidecar gives up on it.

/** Kubernetes' default probe timeoutSeconds; the manifests set none. */
const PROBE_TIMEOUT_MS = 1_000;

async function configOf(service: string, env: Record<string, string>): Promise<Record<string, unknown>> {
  const path = fileURLToPath(new URL(`../../services/${service}/src/config.ts`, import.meta.url));
  const { configSchema } = (await import(path)) as { configSchema: z.ZodObject };
  return configSchema.parse({
    PORT: '3000',
    DATABASE_URL: 'postgres://x@db:5432/x',
    NATS_URL: 'nats://nats:4222',
    USERS_URL: 'http://users',
    PRODUCTS_URL: 'http://products',
    PAYMENTS_URL: 'http://payments',
    EXT_AUTHZ_SETTINGS: apiKeyCheckSettings(catalog),
    // The identity provider's issuer and key (from its catalog issuer and its Secret on a cluster).
    IDENTITY_ISSUER: 'http://localhost:8080/auth',
    IDENTITY_AUDIENCE: 'shop',
    IDENTITY_SIGNING_KEY: generateSigningKeys().privatePem,
    ...env,
  }) as Record<string, unknown>;
}

describe('database waits fit inside the route timeouts', () => {
  const owners = catalog.services.filter((s) => s.database !== undefined);

  it.each(owners.map((s) => [s.name, s] as const))(
    "%s: the pool's connect timeout is below every route's (per-try) timeout; the probe's below the kubelet's",
    async (name, spec) => {
      const config = await configOf(name, { ...spec.env });
      const shortest = Math.min(
        ...spec.routes.map((r) => Math.min(r.timeoutMs, r.retries?.perTryTimeoutMs ?? r.timeoutMs)),
      );
      expect(config.DATABASE_CONNECT_TIMEOUT_MS as number).toBeLessThan(shortest);
      expect(config.DATABASE_PROBE_TIMEOUT_MS as number).toBeLessThan(PROBE_TIMEOUT_MS);
    },
  );

  it('an order reservation outlives its request: the lease exceeds the POST /orders route timeout', async () => {
    const orders = catalog.services.find((s) => s.name === 'orders')!;
    const route = orders.routes.find((r) => r.method === 'POST' && r.path === '/orders')!;
    const config = await configOf('orders', { ...orders.env });
    expect(config.ORDER_PENDING_LEASE_MS as number).toBeGreaterThan(route.timeoutMs);
  });

  it('is able to fail: a connect timeout above a route timeout is caught, a malformed one is refused', async () => {
    const users = catalog.services.find((s) => s.name === 'users')!;
    const config = await configOf('users', { DATABASE_CONNECT_TIMEOUT_MS: '2000' });
    expect(config.DATABASE_CONNECT_TIMEOUT_MS as number).toBeGreaterThan(
      Math.min(...users.routes.map((r) => r.retries?.perTryTimeoutMs ?? r.timeoutMs)),
    );
    await expect(configOf('users', { DATABASE_CONNECT_TIMEOUT_MS: 'soon' })).rejects.toThrow(
      /DATABASE_CONNECT_TIMEOUT_MS/,
    );
  });
});
