import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog, type Catalog } from '@mesh-kit/catalog';
import { DASHBOARD_FILE, renderDashboard, shopDashboard, type Dashboard } from '../scripts/shop-dashboard.js';
import { selectorsOf } from './support/promql.js';

const queries = (dashboard: Dashboard): string[] =>
  dashboard.panels.flatMap((panel) => (panel.targets ?? []).map((target) => target.expr));
const titles = (dashboard: Dashboard): string[] => dashboard.panels.map((panel) => panel.title);

describe('the shop dashboard', () => {
  it('in mesh/grafana/shop.json is the one the catalog generates (run `npm run dashboard` when this fails)', () => {
    expect(readFileSync(DASHBOARD_FILE, 'utf8')).toBe(renderDashboard(catalog));
  });

  it("queries in valid PromQL, each shop metric by a catalog service's label, Istio's by their own labels", () => {
    const services = new Set(catalog.services.map((s) => s.name));
    const all = queries(shopDashboard()).flatMap(selectorsOf);
    expect(all.length).toBeGreaterThan(20);
    for (const { metric, equals } of all) {
      if (metric.startsWith('istio_')) {
        expect(equals['service'], metric).toBeUndefined();
        expect(equals['reporter'], metric).toBe('source');
      } else {
        expect(services.has(equals['service'] ?? ''), `${metric} ${JSON.stringify(equals)}`).toBe(true);
        expect(equals['namespace']).toBe('$namespace');
      }
    }
    expect(() => selectorsOf('sum(rate(http_server_request_duration_seconds_count[$__rate_interval])')).toThrow(
      /not valid PromQL at character/,
    );
  });

  it('has a row per publisher, consumer and served service of the catalog, named from it', () => {
    const base = catalog.services.find((s) => s.name === 'payments')!;
    const small: Catalog = {
      ...catalog,
      services: [
        { ...catalog.services.find((s) => s.name === 'orders')!, publishes: ['a.done'] },
        { ...base, name: 'b', routes: [{ ...base.routes[0]!, path: '/bees/:id' }], consumes: ['a.done'] },
        { ...base, name: 'gen', callsGateway: true },
      ],
    };
    const dashboard = shopDashboard(small);
    expect(titles(dashboard)).toEqual(
      expect.arrayContaining([
        'Orders',
        'Outbox: orders publishes a.done',
        'Consumer: b consumes a.done',
        'Service: orders',
        'Service: b',
        'b: dead letters in the time range',
      ]),
    );
    expect(titles(dashboard).some((t) => t.includes('gen'))).toBe(false);
    expect(dashboard.panels.find((p) => p.title === 'b: requests per second by route')?.description).toContain(
      'POST /bees/:id',
    );
    expect(
      queries(dashboard).some((q) => q.includes('events_lag_seconds_bucket{namespace="$namespace",service="b"}')),
    ).toBe(true);
    expect(() => shopDashboard({ ...catalog, services: [base] })).toThrow("catalog: no service named 'orders'");
  });

  it('lays panels out on a 24-column grid without overlaps, with unique ids', () => {
    const { panels } = shopDashboard();
    expect(new Set(panels.map((p) => p.id)).size).toBe(panels.length);
    const cells = new Set<string>();
    for (const { gridPos: g, title } of panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x++) {
        for (let y = g.y; y < g.y + g.h; y++) {
          expect(cells.has(`${x},${y}`), title).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
  });
});
