import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { shopDashboard, type Dashboard } from '../../scripts/shop-dashboard.js';
import { startStack, type StackProcess } from '../../test-support/stack-process.js';
import { selectorsOf, unmet } from '../support/promql.js';

/** Labels the Prometheus addon's pod scrape job adds to every series (samples/addons/prometheus.yaml, Istio 1.30.3). */
const ADDED_BY_PROMETHEUS = ['namespace', 'pod', 'node'];
/** Istio's standard metrics, reported by the sidecars and the gateway, never by a service. */
const FROM_THE_SIDECARS = ['istio_requests_total'];

let stack: StackProcess;
const expositions = new Map<string, string>();

const scrape = async (service: string): Promise<string> => (await fetch(`${stack.urls[service]}/metrics`)).text();

/** Every selector of the dashboard that the scraped services do not satisfy, with the reason. */
function unsatisfied(dashboard: Dashboard): string[] {
  const selectors = dashboard.panels.flatMap((p) => (p.targets ?? []).flatMap((t) => selectorsOf(t.expr)));
  return selectors
    .filter(({ metric }) => !metric.startsWith('istio_'))
    .flatMap((selector) => {
      const named = selector.equals['service'];
      const services = named === undefined ? [...expositions.keys()] : [named];
      const reasons = services.map((s) => {
        const exposition = expositions.get(s);
        return exposition === undefined ? 'no such service running' : unmet(selector, exposition, ADDED_BY_PROMETHEUS);
      });
      if (reasons.some((r) => r === undefined)) return [];
      return [`${selector.metric}{service="${named ?? '*'}"}: ${reasons.join('; ')}`];
    });
}

beforeAll(async () => {
  stack = await startStack();
  // One order through the whole flow, so the counters and histograms on its path have series.
  const userId = randomUUID();
  const user = await fetch(`${stack.urls['users']}/users`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': userId },
    body: JSON.stringify({ name: 'Grace', email: `grace-${userId}@example.com` }),
  });
  expect(user.status).toBe(201);
  const order = await fetch(`${stack.urls['orders']}/orders`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-user-id': userId, 'idempotency-key': randomUUID() },
    body: JSON.stringify({ items: [{ sku: 'book-7', quantity: 1 }] }),
  });
  expect(order.status).toBe(201);
  const consumers = catalog.services.filter((s) => s.consumes.length > 0).map((s) => s.name);
  await vi.waitFor(
    async () => {
      for (const consumer of consumers) expect(await scrape(consumer)).toMatch(/^events_processed_total\{/m);
    },
    { timeout: 15_000, interval: 200 },
  );
  // Every service's own /metrics (the local gateway is the stack's, not a service).
  for (const service of Object.keys(stack.urls).filter((name) => name !== 'gateway'))
    expositions.set(service, await scrape(service));
});

afterAll(async () => {
  if (stack !== undefined) expect((await stack.stop()).code).toBe(0);
});

describe('the shop dashboard against the running local stack', () => {
  it('queries only metrics the services export, with label values their series carry', () => {
    expect(expositions.size).toBe(catalog.services.filter((s) => s.callsGateway !== true).length);
    expect(unsatisfied(shopDashboard())).toEqual([]);
  });

  it("lists the metrics it reads from Istio's sidecars apart", () => {
    const metrics = shopDashboard().panels.flatMap((p) => (p.targets ?? []).flatMap((t) => selectorsOf(t.expr)));
    const istio = [...new Set(metrics.map((s) => s.metric).filter((m) => m.startsWith('istio_')))];
    expect(istio).toEqual(FROM_THE_SIDECARS);
  });

  it('fails for a metric no service exports, one the named service does not, and a label value no series has', () => {
    const base = shopDashboard();
    const target = base.panels.find((p) => p.targets !== undefined)!.targets![0]!;
    const withQueries = (...exprs: string[]): Dashboard => ({
      ...base,
      panels: [...base.panels, { ...base.panels[1]!, id: 999, targets: exprs.map((expr) => ({ ...target, expr })) }],
    });
    expect(
      unsatisfied(
        withQueries(
          'sum(rate(orders_placed_total{service="orders"}[5m]))',
          'max(outbox_backlog{service="notifications"})',
          'sum(rate(http_server_request_duration_seconds_count{service="orders",route="/order"}[5m]))',
        ),
      ),
    ).toEqual([
      'orders_placed_total{service="orders"}: not exported',
      'outbox_backlog{service="notifications"}: not exported',
      'http_server_request_duration_seconds_count{service="orders"}: no series with service="orders",route="/order"',
    ]);
  });
});
