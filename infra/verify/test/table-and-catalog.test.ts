import { describe, expect, it } from 'vitest';
import { overloadConcurrency } from '../src/checks/breaker.js';
import { burstSize } from '../src/checks/rate-limit.js';
import {
  appNames,
  breakerLimits,
  catalog,
  consumersOf,
  declaredRoute,
  declaresCall,
  inEgress,
  ingress,
  worstCaseMs,
} from '../src/expectations.js';
import { renderTable } from '../src/table.js';
import type { Catalog } from '@mesh-kit/catalog';

describe('the printed table', () => {
  it('aligns columns, marks each row and ends with a summary', () => {
    const text = renderTable([
      { title: 'sidecars', status: 'pass', durationMs: 840, detail: '13 pods of 7 services' },
      { title: 'rate limit → 429', status: 'fail', durationMs: 3_210, detail: 'no 429: 200 requests: 200 passed' },
    ]);
    expect(text).toBe(
      [
        'check             result  time  detail',
        '----------------  ------  ----  --------------------------------',
        'sidecars          PASS    0.8s  13 pods of 7 services',
        'rate limit → 429  FAIL    3.2s  no 429: 200 requests: 200 passed',
        '',
        '1 of 2 checks failed',
      ].join('\n'),
    );
    expect(renderTable([{ title: 'a', status: 'pass', durationMs: 0, detail: 'x' }])).toMatch(/1 of 1 checks passed$/);
  });
});

describe('expectations read from the catalog', () => {
  it('takes routes, timeouts and the call graph from packages/catalog/src/catalog.ts', () => {
    const auth = declaredRoute('payments', 'POST', '/authorizations');
    expect(auth.url).toBe('http://payments.shop.svc.cluster.local:3002/authorizations');
    expect(worstCaseMs(auth)).toBeLessThanOrEqual(auth.timeoutMs);
    expect(() => declaredRoute('payments', 'GET', '/authorizations')).toThrow(
      'catalog: payments declares no route GET /authorizations',
    );
    expect(appNames()).toContain('loadgen');
    expect(declaresCall('storefront', 'orders', 'GET')).toBe(true);
    expect(declaresCall('storefront', 'orders', 'POST')).toBe(false);
    expect(inEgress('storefront', 'payments')).toBe(false);
    expect(consumersOf('orders.placed').sort()).toEqual(['analytics', 'notifications']);
  });

  it('bounds the worst case by the tries when they end before the overall timeout', () => {
    expect(
      worstCaseMs({
        method: 'GET',
        path: '/x',
        idempotent: true,
        timeoutMs: 5_000,
        retries: { attempts: 1, perTryTimeoutMs: 1_000, retryOn: '5xx' },
      }),
    ).toBe(2_000);
    expect(worstCaseMs({ method: 'POST', path: '/x', idempotent: false, timeoutMs: 2_000 })).toBe(2_000);
  });
});

describe('limits read from the catalog (circuit breaking, gateway)', () => {
  const extended: Catalog = {
    ...catalog,
    services: catalog.services.map((s) =>
      s.name === 'users'
        ? { ...s, circuitBreaker: { ...catalog.defaults.circuitBreaker, maxConnections: 8, maxPendingRequests: 4 } }
        : s,
    ),
    defaults: {
      ...catalog.defaults,
      circuitBreaker: {
        ...catalog.defaults.circuitBreaker,
        maxConnections: 64,
        maxPendingRequests: 32,
        outlierDetection: {
          consecutive5xxErrors: 5,
          intervalMs: 5_000,
          baseEjectionTimeMs: 30_000,
          maxEjectionPercent: 50,
        },
      },
    },
    ingress: {
      ...catalog.ingress,
      port: 8080,
      jwt: {
        ...catalog.ingress.jwt,
        issuers: [
          { id: 'users', issuer: 'mesh-kit', audiences: ['shop'], maxLifetimeSeconds: 3_600 },
          { id: 'loadgen', issuer: 'lg', audiences: ['shop'], maxLifetimeSeconds: 600 },
        ],
      },
      rateLimit: {
        ...catalog.ingress.rateLimit,
        perClient: { maxTokens: 50, tokensPerFill: 25, fillIntervalMs: 1_000 },
      },
    },
  };

  it('reads a service’s breaker, or the default, and sizes the overload from it', () => {
    expect(breakerLimits('users', extended)).toMatchObject({ maxConnections: 8, maxPendingRequests: 4 });
    const payments = breakerLimits('payments', extended);
    expect(payments.outlierDetection?.consecutive5xxErrors).toBe(5);
    expect(overloadConcurrency(payments)).toBe(192);
  });

  it("takes the gateway Service name from its DNS name, loadgen's issuer to sign with, and the burst from a client's bucket", () => {
    const target = ingress(extended);
    expect(target).toMatchObject({
      namespace: 'istio-system',
      service: 'istio-ingressgateway',
      port: 8080,
      issuer: 'lg',
      audience: 'shop',
    });
    expect(burstSize(target.rateLimit.perClient)).toBe(300);
    expect(burstSize({ maxTokens: 20 })).toBe(240);
    expect(burstSize({ maxTokens: 200 })).toBe(1_200);
  });
});
