import { describe, expect, it } from 'vitest';
import { catalog, circuitBreakerOf, findService } from '@mesh-kit/catalog';
import { find, ofKind, synthObjects } from './support/shop.js';

const objects = synthObjects();
interface HttpRoute {
  name: string;
  route?: unknown[];
  directResponse?: unknown;
  timeout?: string;
  retries?: { attempts: number; retryOn?: string };
  fault?: unknown;
}

describe('mesh policy from the call graph', () => {
  it('namespace-wide STRICT mTLS and deny by default', () => {
    expect(find(objects, 'PeerAuthentication', 'default').spec).toEqual({ mtls: { mode: 'STRICT' } });
    expect(find(objects, 'AuthorizationPolicy', 'deny-all').spec).toEqual({});
  });

  it('every forwarding route has a timeout and an explicit retry policy; only idempotent routes retry on 5xx; no fault injection', () => {
    for (const vs of ofKind(objects, 'VirtualService')) {
      for (const route of (vs.spec as { http: HttpRoute[] }).http) {
        expect(route.fault).toBeUndefined();
        // A direct response is answered by the proxy: no upstream, so no timeout or retries apply.
        if (route.route === undefined) {
          expect(route.directResponse, `${vs.metadata.name} ${route.name}`).toBeDefined();
          continue;
        }
        expect(route.timeout, `${vs.metadata.name} ${route.name}`).toMatch(/^\d+(\.\d+)?s$/);
        expect(route.retries, `${vs.metadata.name} ${route.name}`).toBeDefined();
      }
    }
    const users = (find(objects, 'VirtualService', 'users').spec as { http: HttpRoute[] }).http;
    expect(users.find((r) => r.name === 'post-users')!.retries).toEqual({
      attempts: 1,
      perTryTimeout: '1s',
      retryOn: 'connect-failure,refused-stream',
    });
    const noRetries = synthObjects({
      ...catalog,
      services: catalog.services.map((s) =>
        s.name === 'payments' ? { ...s, routes: s.routes.map(({ retries: _, ...r }) => r) } : s,
      ),
    });
    expect((find(noRetries, 'VirtualService', 'payments').spec as { http: HttpRoute[] }).http[0]!.retries).toEqual({
      attempts: 0,
    });
  });

  it("each Sidecar's egress lists exactly the declared dependencies", () => {
    const egress = (name: string): string[] =>
      (find(objects, 'Sidecar', name).spec as { egress: { hosts: string[] }[] }).egress[0]!.hosts;
    expect(egress('orders')).toEqual([
      './users.shop.svc.cluster.local',
      './products.shop.svc.cluster.local',
      './payments.shop.svc.cluster.local',
      './postgres.shop.svc.cluster.local',
      './nats.shop.svc.cluster.local',
      catalog.telemetry.collectorHost,
    ]);
    expect(egress('payments')).toEqual(['./postgres.shop.svc.cluster.local', catalog.telemetry.collectorHost]);
    expect(egress('loadgen')).toEqual([
      'istio-system/istio-ingressgateway.istio-system.svc.cluster.local',
      catalog.telemetry.collectorHost,
    ]);
  });

  it('payments admits only orders, on POST /authorizations', () => {
    expect(find(objects, 'AuthorizationPolicy', 'payments').spec).toEqual({
      action: 'ALLOW',
      selector: { matchLabels: { app: 'payments' } },
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }],
          to: [{ operation: { methods: ['POST'], paths: ['/authorizations'] } }],
        },
      ],
    });
  });

  it('products admits orders on its batched lookup only, and the ingress gateway on its public GETs', () => {
    expect(find(objects, 'AuthorizationPolicy', 'products').spec).toEqual({
      action: 'ALLOW',
      selector: { matchLabels: { app: 'products' } },
      rules: [
        {
          from: [{ source: { principals: ['cluster.local/ns/shop/sa/orders'] } }],
          to: [{ operation: { methods: ['GET'], paths: ['/internal/products'] } }],
        },
        {
          from: [{ source: { principals: ['cluster.local/ns/istio-system/sa/istio-ingressgateway-service-account'] } }],
          to: [
            { operation: { methods: ['GET'], paths: ['/products'] } },
            { operation: { methods: ['GET'], paths: ['/products/{*}'] } },
          ],
        },
      ],
    });
  });

  it('loadgen, which nobody calls, gets no ALLOW policy', () => {
    expect(ofKind(objects, 'AuthorizationPolicy').map((p) => p.metadata.name)).not.toContain('loadgen');
  });

  it('every DestinationRule has a connection pool, a retry budget, maxRetries and outlier detection', () => {
    const drs = ofKind(objects, 'DestinationRule');
    expect(drs.map((d) => d.metadata.name).sort()).toEqual(
      catalog.services
        .filter((s) => s.routes.length > 0)
        .map((s) => s.name)
        .sort(),
    );
    for (const dr of drs) {
      const breaker = circuitBreakerOf(findService(dr.metadata.name));
      expect(dr.spec, dr.metadata.name).toMatchObject({
        trafficPolicy: {
          connectionPool: { http: { maxRetries: breaker.maxRetries } },
          retryBudget: {
            percent: breaker.retryBudget.percent,
            minRetryConcurrency: breaker.retryBudget.minRetryConcurrency,
          },
          outlierDetection: expect.any(Object),
        },
      });
    }
    expect(find(objects, 'DestinationRule', 'payments').spec).toMatchObject({
      trafficPolicy: {
        connectionPool: { http: { maxRetries: 8 } },
        retryBudget: { percent: 20, minRetryConcurrency: 3 },
      },
    });
    const own = synthObjects({
      ...catalog,
      services: catalog.services.map((s) =>
        s.name === 'payments'
          ? {
              ...s,
              circuitBreaker: {
                ...catalog.defaults.circuitBreaker,
                maxRetries: 2,
                retryBudget: { percent: 10, minRetryConcurrency: 1 },
              },
            }
          : s,
      ),
    });
    expect(find(own, 'DestinationRule', 'payments').spec).toMatchObject({
      trafficPolicy: {
        connectionPool: { http: { maxRetries: 2 } },
        retryBudget: { percent: 10, minRetryConcurrency: 1 },
      },
    });
  });

  it('Telemetry selects the tracing provider and access logs', () => {
    expect(find(objects, 'Telemetry', 'default').spec).toEqual({
      tracing: [{ providers: [{ name: 'zipkin' }], randomSamplingPercentage: 100 }],
      accessLogging: [{ providers: [{ name: 'envoy' }] }],
    });
  });
});
