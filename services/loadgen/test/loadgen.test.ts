import { generateKeyPairSync } from 'node:crypto';
import { Registry } from 'prom-client';
import request from 'supertest';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig, ServiceClient } from '@mesh-kit/runtime';
import { silentLogger } from '../../../test-support/silent-logger.js';
import { createApp } from '../src/app.js';
import { configSchema } from '../src/config.js';
import { runJourney, type JourneyDeps } from '../src/journey.js';
import { createLoadgenMetrics } from '../src/metrics.js';
import { SteadyScheduler } from '../src/scheduler.js';
import { TokenSigner } from '@mesh-kit/catalog/token-signer';
import { CATALOGUE, startFakeGateway, type FakeGateway } from './fake-gateway.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKeyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const signer = new TokenSigner({ privateKeyPem, issuer: 'mesh-kit', audience: 'shop' });

let gateway: FakeGateway | undefined;
afterEach(async () => {
  await gateway?.close();
  gateway = undefined;
  vi.useRealTimers();
});

function deps(url: string, random: () => number): JourneyDeps & { registry: Registry } {
  const registry = new Registry();
  return {
    gateway: new ServiceClient('gateway', url),
    signer,
    metrics: createLoadgenMetrics(registry),
    logger: silentLogger(),
    random,
    registry,
  };
}

async function counts(registry: Registry, name: string): Promise<Record<string, number>> {
  const metric = (await registry.getMetricsAsJSON()).find((m) => m.name === name);
  const out: Record<string, number> = {};
  for (const value of (metric?.values ?? []) as { labels: Record<string, string>; value: number }[]) {
    out[Object.values(value.labels).join('/')] = value.value;
  }
  return out;
}

describe('a journey through the gateway', () => {
  it('browses the catalogue without a token, registers a new subject, then acts as it with valid RS256 tokens', async () => {
    gateway = await startFakeGateway({ publicKey });
    const d = deps(gateway.url, () => 0.5); // two orders, no replay

    await expect(runJourney(d)).resolves.toBe('completed');

    expect(gateway.rejected).toEqual([]);
    expect(gateway.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /api/products?limit=50',
      'POST /api/users',
      'POST /api/orders',
      'POST /api/orders',
      `GET /api/users/${gateway.requests[1]?.subject ?? '?'}`,
      'GET /api/orders',
      'GET /api/overview',
      'GET /api/notifications',
    ]);
    const [browse, signup, ...rest] = gateway.requests;
    expect(browse?.subject).toBe('');
    const userId = signup?.subject;
    expect(userId).toMatch(/^[0-9a-f-]{36}$/);
    expect(new Set(rest.map((r) => r.subject))).toEqual(new Set([userId]));

    const orders = rest.filter((r) => r.method === 'POST');
    expect(new Set(orders.map((r) => r.idempotencyKey)).size).toBe(2);
    const affordable = CATALOGUE.filter((p) => p.priceCents <= 10_000).map((p) => p.sku);
    for (const order of orders) {
      // Lines carry no price: the shop prices them.
      const items = (order.body as { items: Record<string, unknown>[] }).items;
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) {
        expect(Object.keys(item).sort()).toEqual(['quantity', 'sku']);
        expect(affordable).toContain(item.sku);
      }
    }
    expect(await counts(d.registry, 'loadgen_requests_total')).toMatchObject({
      'browse_products/200': 1,
      'create_user/201': 1,
      'place_order/201': 2,
      'overview/200': 1,
    });
    expect(await counts(d.registry, 'loadgen_journeys_total')).toEqual({ completed: 1 });
  });

  it('replays the last Idempotency-Key with the same body and counts a different answer as a mismatch', async () => {
    gateway = await startFakeGateway({ publicKey });
    const d = deps(gateway.url, () => 0); // one order, then a replay
    await runJourney(d);
    const posts = gateway.requests.filter((r) => r.path === '/api/orders' && r.method === 'POST');
    expect(posts).toHaveLength(2);
    expect(posts[1]?.idempotencyKey).toBe(posts[0]?.idempotencyKey);
    expect(posts[1]?.body).toEqual(posts[0]?.body);
    expect(await counts(d.registry, 'loadgen_requests_total')).toMatchObject({ 'replay_order/201': 1 });
    await gateway.close();

    gateway = await startFakeGateway({ publicKey, forgetKeys: true });
    const broken = deps(gateway.url, () => 0);
    await runJourney(broken);
    expect(await counts(broken.registry, 'loadgen_requests_total')).toMatchObject({ 'replay_order/mismatch': 1 });
  });

  it('counts failed orders once each and never retries them', async () => {
    gateway = await startFakeGateway({ publicKey, orderStatus: 503 });
    const d = deps(gateway.url, () => 0.5);
    await expect(runJourney(d)).resolves.toBe('completed');
    expect(gateway.requests.filter((r) => r.path === '/api/orders' && r.method === 'POST')).toHaveLength(2);
    const c = await counts(d.registry, 'loadgen_requests_total');
    expect(c['place_order/503']).toBe(2);
    expect(c['replay_order/201']).toBeUndefined();
  });

  it('ends the journey as no_products when the gateway cannot be reached', async () => {
    const d = deps('http://127.0.0.1:1', () => 0.5);
    await expect(runJourney(d)).resolves.toBe('no_products');
    expect(await counts(d.registry, 'loadgen_requests_total')).toEqual({ 'browse_products/unreachable': 1 });
    expect(await counts(d.registry, 'loadgen_journeys_total')).toEqual({ no_products: 1 });
  });
});

describe('SteadyScheduler', () => {
  it('starts tasks at the configured rate without waiting for earlier ones', async () => {
    vi.useFakeTimers();
    let started = 0;
    const never = new Promise<void>(() => undefined);
    const scheduler = new SteadyScheduler({
      ratePerSecond: 4,
      task: () => {
        started += 1;
        return started <= 3 ? never : Promise.resolve();
      },
      onError: () => undefined,
    });
    scheduler.start();
    await vi.advanceTimersByTimeAsync(2_000);
    expect(started).toBe(8);
    expect(scheduler.inFlight).toBe(3);
  });

  it('stops starting tasks and waits for those under way; a rejected task reaches onError', async () => {
    const errors: unknown[] = [];
    const releases: (() => void)[] = [];
    let finished = 0;
    const scheduler = new SteadyScheduler({
      ratePerSecond: 50,
      task: () =>
        releases.length === 0
          ? (releases.push(() => undefined), Promise.reject(new Error('boom')))
          : new Promise<void>((resolve) => releases.push(resolve)).then(() => {
              finished += 1;
            }),
      onError: (error) => errors.push(error),
    });
    scheduler.start();
    await new Promise((resolve) => setTimeout(resolve, 90));
    const stopped = scheduler.stop();
    const launched = releases.length;
    expect(scheduler.inFlight).toBe(launched - 1);
    for (const release of releases) release();
    await stopped;
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(releases).toHaveLength(launched);
    expect(finished).toBe(launched - 1);
    expect(errors).toHaveLength(1);
    expect(scheduler.inFlight).toBe(0);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new SteadyScheduler({ ratePerSecond: 0, task: async () => {}, onError: () => {} })).toThrow(
      'ratePerSecond must be positive, got 0',
    );
  });
});

describe('configuration and keys', () => {
  it('names JWT_SIGNING_KEY when it is not a PEM private key', () => {
    expect(() =>
      loadConfig(configSchema, { PORT: '3007', GATEWAY_URL: 'http://gw', JWT_SIGNING_KEY: 'secret' }),
    ).toThrow(/JWT_SIGNING_KEY: must be a PEM private key/);
  });

  it('accepts a PKCS#1 RSA key and refuses a non-RSA key', async () => {
    const pkcs1 = privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
    const token = await new TokenSigner({ privateKeyPem: pkcs1, issuer: 'i', audience: 'a' }).sign('u');
    expect(token.split('.')).toHaveLength(3);
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    expect(() => new TokenSigner({ privateKeyPem: ec.toString(), issuer: 'i', audience: 'a' })).toThrow(
      "RS256 needs an RSA key, got 'ec'",
    );
  });

  it('serves its counters on /metrics', async () => {
    const { app, loadgenMetrics } = createApp({ logger: silentLogger() });
    loadgenMetrics.requests.inc({ step: 'overview', outcome: '200' });
    const res = await request(app).get('/metrics').expect(200);
    expect(res.text).toContain('loadgen_requests_total{step="overview",outcome="200",service="loadgen"} 1');
    await request(app).get('/readyz').expect(200);
  });
});
