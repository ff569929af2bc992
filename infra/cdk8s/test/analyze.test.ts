import { execFileSync, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Catalog, catalog } from '@mesh-kit/catalog';
import { analyze } from '../src/analyze/analyze.js';
import { formatReport } from '../src/analyze/report.js';
import { synthObjects } from './support/shop.js';

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };
type MutableCatalog = Mutable<Catalog>;

/** The shop's catalog with one change, synthesized and analysed. */
function findingsAfter(change: (c: MutableCatalog) => void): string[] {
  const bad = structuredClone(catalog) as MutableCatalog;
  change(bad);
  return [...analyze(synthObjects(bad as Catalog)).findings];
}
const service = (c: MutableCatalog, name: string) => c.services.find((s) => s.name === name)!;
const route = (c: MutableCatalog, name: string, method: string, path: string) =>
  service(c, name).routes.find((r) => r.method === method && r.path === path)!;

describe('npm run analyze', () => {
  const shop = analyze(synthObjects());

  it('passes on the shop', () => {
    expect(shop.findings).toEqual([]);
  });

  it("keeps the namespace within the catalog's request budget, sidecars included", () => {
    expect(shop.totals.cpuMilli).toBeLessThanOrEqual(catalog.requestBudget.cpuMilli);
    expect(shop.totals.memoryMi).toBeLessThanOrEqual(catalog.requestBudget.memoryMi);
    expect(shop.totals.sidecarCpuMilli).toBeGreaterThan(0);
    expect(formatReport(shop)).toMatch(/Namespace requests \(\d+ pods, sidecars included\): CPU \d+m, memory \d+Mi/);
  });

  it('prints each call path from the gateway with its amplification', () => {
    const paths = shop.paths.map((p) => [p.hops.map((h) => h.key).join(' → '), p.amplification]);
    expect(paths).toContainEqual(['POST gateway /api/orders → POST orders /orders → POST payments /authorizations', 4]);
    expect(paths).toContainEqual(['POST gateway /api/orders → POST orders /orders → GET users /users/:id', 6]);
    expect(paths).toContainEqual(['GET gateway /api/users/:id → GET users /users/:id', 3]);
  });

  it("needs no timeout or retries on the gateway's direct 401, and keeps it out of the call paths", () => {
    const ingress = synthObjects().find((o) => o.metadata.name === 'shop-ingress')!;
    const http = (ingress.spec as { http: { name: string; directResponse?: unknown; timeout?: string }[] }).http;
    const direct = http.find((r) => r.name === 'require-token');
    expect(direct).toMatchObject({ directResponse: { status: 401 } });
    expect(direct!.timeout).toBeUndefined();
    expect(shop.routes.filter((r) => r.service === 'gateway')).toHaveLength(http.length - 1);
  });

  it('fails on a timeout or retries on a direct response, which the proxy answers itself', () => {
    const objects = structuredClone(synthObjects());
    const ingress = objects.find((o) => o.metadata.name === 'shop-ingress')!;
    const first = (ingress.spec as { http: Record<string, unknown>[] }).http.find((r) => r.name === 'require-token')!;
    first.timeout = '1s';
    expect(analyze(objects).findings).toEqual([
      'VirtualService shop-ingress: route require-token answers at the proxy; its timeout and retries never apply',
    ]);
  });

  it('fails on a forwarding route that the routes annotation does not declare', () => {
    const objects = structuredClone(synthObjects());
    const ingress = objects.find((o) => o.metadata.name === 'shop-ingress')!;
    const first = (ingress.spec as { http: Record<string, unknown>[] }).http.find((r) => r.name === 'require-token')!;
    delete first.directResponse;
    first.route = [{ destination: { host: 'users.shop.svc.cluster.local', port: { number: 3001 } } }];
    expect(analyze(objects).findings).toEqual([
      'VirtualService shop-ingress: route require-token forwards but is not declared in mesh-kit.dev/routes, so no check covers it',
    ]);
  });

  it('fails on a route without a timeout', () => {
    expect(
      findingsAfter((c) => void delete (route(c, 'users', 'GET', '/users/:id') as { timeoutMs?: number }).timeoutMs),
    ).toContain('route GET users /users/:id: no timeout');
  });

  it('fails on 5xx retries of a non-idempotent route', () => {
    const findings = findingsAfter((c) => {
      route(c, 'users', 'POST', '/users').retries!.retryOn = 'connect-failure,5xx';
    });
    expect(findings).toContain('route POST users /users: retries on 5xx but is not idempotent');
  });

  it("counts a route without a retry policy as Istio's default, which re-sends POSTs", () => {
    const objects = structuredClone(synthObjects());
    const vs = objects.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'users')!;
    delete (vs.spec as { http: { retries?: unknown }[] }).http[0]!.retries;
    expect(analyze(objects).findings).toEqual([
      'route POST users /users: retries on unavailable,cancelled,retriable-status-codes but is not idempotent',
    ]);
  });

  describe('rule tries-fit-timeout', () => {
    it('fails when (1 + attempts) × perTryTimeout exceed the route timeout', () => {
      const findings = findingsAfter((c) => {
        route(c, 'payments', 'POST', '/authorizations').retries!.perTryTimeoutMs = 600;
      });
      expect(findings).toEqual([
        'route POST payments /authorizations: 2 tries × 600ms per try exceed the 1000ms timeout',
      ]);
    });
  });

  describe('rule try-outlasts-callees', () => {
    it("fails when a try is no longer than its sequential callees' sum plus 20%, naming the route (the old shop)", () => {
      const findings = findingsAfter((c) => {
        route(c, 'users', 'GET', '/users/:id').timeoutMs = 1_000;
        route(c, 'payments', 'POST', '/authorizations').timeoutMs = 1_500;
        route(c, 'payments', 'POST', '/authorizations').retries!.attempts = 2;
      });
      const need =
        'GET users /users/:id 1000ms + GET products /internal/products 900ms + POST payments /authorizations 1500ms in sequence = 3400ms, + 20% own work = 4080ms';
      expect(findings).toEqual([
        `route POST orders /orders: one try (3500ms) is shorter than POST orders /orders's callees' worst case plus its own work (${need})`,
        `route POST gateway /api/orders: one try (3500ms) is shorter than POST orders /orders's callees' worst case plus its own work (${need})`,
      ]);
    });

    it('adds the callees up when they run one after another, takes the longest when they run at once', () => {
      expect(
        findingsAfter((c) => {
          route(c, 'storefront', 'GET', '/overview').callOrder = 'sequential';
        }),
      ).toContain(
        "route GET storefront /overview: one try (1200ms) is shorter than GET storefront /overview's callees' worst case plus its own work (GET users /users/:id 900ms + GET orders /orders 900ms + GET notifications /notifications 900ms in sequence = 2700ms, + 20% own work = 3240ms)",
      );
      expect(
        findingsAfter((c) => {
          route(c, 'notifications', 'GET', '/notifications').timeoutMs = 1_100;
          route(c, 'notifications', 'GET', '/notifications').retries!.perTryTimeoutMs = 360;
        }),
      ).toContain(
        "route GET storefront /overview: one try (1200ms) is shorter than GET storefront /overview's callees' worst case plus its own work (the longest of GET users /users/:id 900ms, GET orders /orders 900ms, GET notifications /notifications 1100ms in parallel = 1100ms, + 20% own work = 1320ms)",
      );
    });

    it("takes the route's own-work margin from the catalog, 20 % by default", () => {
      const withMargin = (percent: number | undefined) =>
        findingsAfter((c) => {
          const placeOrder = route(c, 'orders', 'POST', '/orders');
          if (percent === undefined) delete placeOrder.ownWorkMarginPercent;
          else placeOrder.ownWorkMarginPercent = percent;
          placeOrder.retries!.perTryTimeoutMs = 3_360;
          placeOrder.timeoutMs = 6_720;
        });
      expect(withMargin(undefined)).toEqual([]); // 2800ms + 20% = 3360ms: just enough
      expect(withMargin(21)).toContain(
        "route POST orders /orders: one try (3360ms) is shorter than POST orders /orders's callees' worst case plus its own work (GET users /users/:id 900ms + GET products /internal/products 900ms + POST payments /authorizations 1000ms in sequence = 2800ms, + 21% own work = 3388ms)",
      );
      const annotation = synthObjects().find((o) => o.kind === 'VirtualService' && o.metadata.name === 'orders')!
        .metadata.annotations!['mesh-kit.dev/routes']!;
      expect(JSON.parse(annotation)[0]).toMatchObject({ callOrder: 'sequential', ownWorkMarginPercent: 20 });
    });

    it('uses the route timeout as the try when a route has no retries', () => {
      const findings = findingsAfter((c) => {
        const overview = route(c, 'storefront', 'GET', '/overview');
        delete overview.retries;
        overview.timeoutMs = 1_000;
      });
      expect(findings).toContain(
        "route GET storefront /overview: one try (1000ms) is shorter than GET storefront /overview's callees' worst case plus its own work (the longest of GET users /users/:id 900ms, GET orders /orders 900ms, GET notifications /notifications 900ms in parallel = 900ms, + 20% own work = 1080ms)",
      );
    });
  });

  describe('rules retry-budget and max-retries', () => {
    const destinationRule = (objects: ReturnType<typeof synthObjects>, name: string) =>
      objects.find((o) => o.kind === 'DestinationRule' && o.metadata.name === name)!.spec as {
        trafficPolicy: { retryBudget?: { percent?: number }; connectionPool: { http: { maxRetries?: number } } };
      };

    it('fails on a DestinationRule without a retry budget, or with one that allows nothing', () => {
      const objects = structuredClone(synthObjects());
      delete destinationRule(objects, 'payments').trafficPolicy.retryBudget;
      destinationRule(objects, 'users').trafficPolicy.retryBudget!.percent = 0;
      delete destinationRule(objects, 'orders').trafficPolicy.retryBudget!.percent;
      expect(analyze(objects).findings).toEqual([
        'DestinationRule users: retryBudget.percent 0 allows no retries',
        'DestinationRule payments: no retryBudget',
        'DestinationRule orders: retryBudget needs percent and minRetryConcurrency',
      ]);
    });

    it('fails on a DestinationRule without connectionPool.http.maxRetries', () => {
      const objects = structuredClone(synthObjects());
      delete destinationRule(objects, 'payments').trafficPolicy.connectionPool.http.maxRetries;
      expect(analyze(objects).findings).toEqual(['DestinationRule payments: no connectionPool.http.maxRetries']);
    });
  });

  it('fails on a cycle in the call graph', () => {
    const findings = findingsAfter((c) => {
      service(c, 'users').calls.push({ service: 'orders', methods: ['GET'], paths: ['/orders/:id'] });
      route(c, 'users', 'GET', '/users/:id').calls = [{ service: 'orders', method: 'GET', path: '/orders/:id' }];
      route(c, 'orders', 'GET', '/orders/:id').calls = [{ service: 'users', method: 'GET', path: '/users/:id' }];
      service(c, 'orders').calls.push({ service: 'users', methods: ['GET'], paths: ['/users/:id'] });
    });
    expect(findings).toContain(
      'call graph cycle: GET orders /orders/:id → GET users /users/:id → GET orders /orders/:id',
    );
    expect(findings).toContain('service call graph cycle: orders → users → orders');
  });

  it('fails on a DestinationRule without outlierDetection', () => {
    const findings = findingsAfter((c) => {
      const breaker = structuredClone(c.defaults.circuitBreaker);
      delete breaker.outlierDetection;
      service(c, 'payments').circuitBreaker = breaker;
    });
    expect(findings).toEqual(['DestinationRule payments: no outlierDetection']);
  });

  it('fails on amplification above the catalog bound', () => {
    const findings = findingsAfter((c) => {
      c.maxRetryAmplification = 4;
    });
    expect(findings).toContain(
      'call path POST gateway /api/orders → POST orders /orders → GET users /users/:id: 6 worst-case attempts exceed the bound of 4',
    );
    expect(findings.join('\n')).not.toContain('→ POST payments /authorizations: 4 worst-case');
  });

  it('fails when the namespace requests exceed the budget', () => {
    const findings = findingsAfter((c) => {
      // The autoscaler's minimum is what the budget holds.
      service(c, 'notifications').autoscaling = { minReplicas: 8, maxReplicas: 8, cpuTargetPercent: 70 };
    });
    const { cpuMilli, memoryMi } = catalog.requestBudget;
    expect(findings.join('\n')).toMatch(
      new RegExp(`namespace shop: requests \\d+m CPU / \\d+Mi exceed the budget of ${cpuMilli}m / ${memoryMi}Mi`),
    );
  });

  it('the CLI reads dist/manifests and exits non-zero on findings', () => {
    const root = fileURLToPath(new URL('../../..', import.meta.url));
    execFileSync('npx', ['tsc', '-b', 'infra/cdk8s'], { cwd: root });
    execFileSync('node', ['infra/cdk8s/dist/src/main.js'], {
      cwd: root,
      env: {
        ...process.env,
        JWKS_FILE: 'infra/cdk8s/test/fixtures/jwks.json',
        LOADGEN_JWKS_FILE: 'infra/cdk8s/test/fixtures/loadgen-jwks.json',
        IDENTITY_JWKS_FILE: 'infra/cdk8s/test/fixtures/identity-jwks.json',
        MANIFESTS_DIR: 'dist/manifests-analyze-test',
      },
    });
    const out = execFileSync('node', ['infra/cdk8s/dist/src/analyze/cli.js', 'dist/manifests-analyze-test'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(out).toMatch(/analyze: no findings/);
    writeFileSync(
      `${root}/dist/manifests-analyze-test/99-extra.k8s.yaml`,
      'apiVersion: networking.istio.io/v1\nkind: DestinationRule\nmetadata:\n  name: extra\n  namespace: shop\nspec:\n  host: users.shop.svc.cluster.local\n',
    );
    const failing = spawnSync('node', ['infra/cdk8s/dist/src/analyze/cli.js', 'dist/manifests-analyze-test'], {
      cwd: root,
      encoding: 'utf8',
    });
    expect(failing.status).toBe(1);
    expect(failing.stdout).toMatch(/✗ DestinationRule extra: no outlierDetection/);
  });
});
