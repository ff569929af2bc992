import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAccessLog } from '../src/access-log.js';
import { outboundCluster, parseClusterHosts } from '../src/envoy-stats.js';
import {
  evaluateIdentity,
  evaluateBreaker,
  evaluateDenials,
  evaluateJwt,
  evaluateMtls,
  evaluateOutlier,
  evaluateApiKeys,
  evaluateClientRateLimit,
  evaluateRetries,
  evaluateSidecars,
  evaluateTimeout,
  evaluateTrace,
  type PodView,
} from '../src/evaluate.js';
import { parseJaegerResponse, type JaegerTrace } from '../src/jaeger.js';
import type { ProbeResult } from '../src/probe.js';

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');

/** A pod as the API server returns it with Istio ≥ 1.28 on Kubernetes ≥ 1.33 (native sidecar), trimmed. */
function nativePod(app: string, name: string, proxyReady = true): PodView {
  return {
    metadata: { name, labels: { app, version: 'v1', 'security.istio.io/tlsMode': 'istio' } },
    spec: {
      initContainers: [{ name: 'istio-proxy', restartPolicy: 'Always' }],
      containers: [{ name: app }],
    },
    status: {
      phase: 'Running',
      initContainerStatuses: [{ name: 'istio-proxy', ready: proxyReady }],
      containerStatuses: [{ name: app, ready: true }],
    },
  };
}

/** The pre-1.28 layout: istio-init plus istio-proxy as a regular container. */
function classicPod(app: string, name: string, proxyReady = true): PodView {
  return {
    metadata: { name, labels: { app } },
    spec: { initContainers: [{ name: 'istio-init' }], containers: [{ name: app }, { name: 'istio-proxy' }] },
    status: {
      phase: 'Running',
      initContainerStatuses: [{ name: 'istio-init', ready: false }],
      containerStatuses: [
        { name: app, ready: true },
        { name: 'istio-proxy', ready: proxyReady },
      ],
    },
  };
}

const ok = (status: number, ms = 12, overloaded = false): ProbeResult => ({ kind: 'response', status, ms, overloaded });
const err = (error: string, ms = 3): ProbeResult => ({ kind: 'error', error, ms });

describe('sidecars', () => {
  it('passes when every service has pods with a ready proxy, native or classic', () => {
    const result = evaluateSidecars(
      [
        nativePod('users', 'users-7d9-a'),
        classicPod('orders', 'orders-5c4-b'),
        { metadata: { name: 'postgres-0', labels: { app: 'postgres' } } },
      ],
      ['users', 'orders'],
    );
    expect(result).toEqual({
      status: 'pass',
      detail: '2 pods of 2 services, each with a ready istio-proxy (1 native sidecars)',
    });
  });

  it('names pods without a proxy, with a proxy not ready, and services without pods', () => {
    const bare: PodView = {
      metadata: { name: 'users-7d9-c', labels: { app: 'users' } },
      spec: { containers: [{ name: 'users' }] },
    };
    const result = evaluateSidecars(
      [nativePod('users', 'users-7d9-a', false), bare, classicPod('orders', 'orders-5c4-b', false)],
      ['users', 'orders', 'loadgen'],
    );
    expect(result.status).toBe('fail');
    expect(result.detail).toBe(
      'users-7d9-a: istio-proxy not ready; users-7d9-c: no istio-proxy (is the namespace labelled for injection?); orders-5c4-b: istio-proxy not ready; loadgen: no pods',
    );
  });

  it('ignores pods that are terminating', () => {
    const leaving = nativePod('users', 'users-old', false);
    const terminating: PodView = {
      ...leaving,
      metadata: { ...leaving.metadata, deletionTimestamp: '2026-11-26T10:00:00Z' },
    };
    expect(evaluateSidecars([terminating, nativePod('users', 'users-new')], ['users']).detail).toBe(
      '1 pods of 1 services, each with a ready istio-proxy (1 native sidecars)',
    );
  });

  it('does not count the proxy of a plain init container as a sidecar', () => {
    const pod = nativePod('users', 'users-x');
    const initOnly: PodView = {
      ...pod,
      spec: { initContainers: [{ name: 'istio-proxy' }], containers: [{ name: 'users' }] },
    };
    expect(evaluateSidecars([initOnly], ['users']).status).toBe('fail');
  });
});

describe('mTLS, authorization and JWT', () => {
  it('STRICT: plaintext from outside fails while the mesh call answers', () => {
    expect(evaluateMtls(err('ECONNRESET'), ok(404)).status).toBe('pass');
    expect(evaluateMtls(ok(200), ok(404))).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('mTLS is not STRICT'),
    });
    expect(evaluateMtls(err('ECONNRESET'), err('ECONNRESET'))).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('cannot judge'),
    });
  });

  it('undeclared calls: 403, or stopped at the caller when the callee is outside its egress', () => {
    const denied = evaluateDenials([
      { label: 'storefront → POST orders /orders', result: ok(403), outsideEgress: false },
      { label: 'storefront → POST payments /authorizations', result: err('ECONNRESET'), outsideEgress: true },
    ]);
    expect(denied.status).toBe('pass');
    expect(denied.detail).toContain('(not in its Sidecar egress)');
    const open = evaluateDenials([
      { label: 'storefront → POST orders /orders', result: ok(201), outsideEgress: false },
    ]);
    expect(open).toEqual({
      status: 'fail',
      detail: 'expected 403: storefront → POST orders /orders: HTTP 201 in 12 ms',
    });
    expect(evaluateDenials([{ label: 'x', result: err('ECONNRESET'), outsideEgress: false }]).status).toBe('fail');
  });

  it('401 problem+json without a token, 401 with a forged one, Basic refused; a valid token passes', () => {
    const problem = { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer realm="shop"' };
    const seen = { noToken: { status: 401, headers: problem }, forged: 401, basic: 403, valid: 200 };
    expect(evaluateJwt(seen)).toEqual({
      status: 'pass',
      detail: 'no token → 401, forged signature → 401, Basic credentials → 403, valid token → 200',
    });
    expect(evaluateJwt({ ...seen, basic: 401 }).status).toBe('pass');
    expect(evaluateJwt({ ...seen, noToken: { status: 200, headers: {} } }).status).toBe('fail');
    expect(evaluateJwt({ ...seen, noToken: { status: 403, headers: {} } })).toEqual({
      status: 'fail',
      detail:
        "no token → 403, forged signature → 401, Basic credentials → 403, valid token → 200: a missing token was refused by authorization (403), not answered 401 by the gateway's require-token route",
    });
    // Envoy's own plain-text 401 (say, jwt_authn with a required token) is not the gateway's problem.
    expect(evaluateJwt({ ...seen, noToken: { status: 401, headers: { 'content-type': 'text/plain' } } })).toMatchObject(
      { status: 'fail', detail: expect.stringContaining("got content-type 'text/plain', www-authenticate ''") },
    );
    expect(evaluateJwt({ ...seen, basic: 200 })).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('a non-Bearer credential was not refused'),
    });
    expect(evaluateJwt({ ...seen, valid: 401 })).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('a valid token was refused'),
    });
  });

  it('rate limit per client: one client meets 429 problem+json after some successes, another is not limited', () => {
    const seen = { burst: [200, 200, 429, 429], limitedContentType: 'application/problem+json', other: [200, 200] };
    expect(evaluateClientRateLimit(seen)).toEqual({
      status: 'pass',
      detail:
        "one client's 4 requests: 2 passed, 2 answered 429; another client's 2 right after: 2 passed, 0 answered 429",
    });
    expect(evaluateClientRateLimit({ ...seen, burst: [200, 200] }).detail).toMatch(/^no 429/);
    expect(evaluateClientRateLimit({ ...seen, burst: [429, 503] }).detail).toMatch(/every request was refused/);
    expect(evaluateClientRateLimit({ ...seen, other: [200, 429] })).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('the other client was limited too, one bucket for everyone'),
    });
    expect(evaluateClientRateLimit({ ...seen, other: [] }).status).toBe('fail');
    expect(evaluateClientRateLimit({ ...seen, limitedContentType: 'text/plain' })).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining("the 429 is not problem+json (content-type 'text/plain')"),
    });
  });

  it('API keys: each case answers its own status, and the refusal is problem+json', () => {
    const seen = {
      noKey: 401,
      userToken: 403,
      userTokenAndKey: 403,
      valid: 200,
      wrongScope: 403,
      malformed: 400,
      revoked: 401,
      noKeyContentType: 'application/problem+json',
    };
    expect(evaluateApiKeys(seen)).toEqual({
      status: 'pass',
      detail:
        'no key → 401, user token → 403, user token with a valid key → 403, valid key → 200, key without stats:read → 403, malformed key → 400, revoked key → 401',
    });
    expect(evaluateApiKeys({ ...seen, userTokenAndKey: 200 })).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('expected user token with a valid key → 403'),
    });
    expect(evaluateApiKeys({ ...seen, userToken: 200 })).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('expected user token → 403'),
    });
    expect(evaluateApiKeys({ ...seen, revoked: 200, noKey: 200 }).detail).toMatch(
      /expected no key → 401, revoked key → 401$/,
    );
    expect(evaluateApiKeys({ ...seen, noKeyContentType: 'text/plain' }).detail).toContain('not problem+json');
  });
});

describe('resilience', () => {
  it('retries: orders succeed and the retry counter grew', () => {
    const statuses = [...Array<number>(19).fill(201), 502];
    expect(evaluateRetries({ orderStatuses: statuses, retries: 9, payments503: 9, failureRate: 0.3 })).toEqual({
      status: 'pass',
      detail: 'payments failing 30%: 19/20 orders placed, upstream_rq_retry +9, 9 payments 503s in its access log',
    });
    expect(evaluateRetries({ orderStatuses: statuses, retries: 0, payments503: 0, failureRate: 0.3 }).status).toBe(
      'fail',
    );
    expect(
      evaluateRetries({ orderStatuses: [201, 502, 502], retries: 4, payments503: 6, failureRate: 0.3 }),
    ).toMatchObject({
      status: 'fail',
      detail: expect.stringMatching(/^too many orders failed/),
    });
  });

  it('retries without the stat: payments 503s behind successful orders prove the mesh retried', () => {
    const statuses = Array<number>(20).fill(201);
    expect(
      evaluateRetries({ orderStatuses: statuses, retries: undefined, payments503: 5, failureRate: 0.3 }).detail,
    ).toBe(
      'payments failing 30%: 20/20 orders placed, upstream_rq_retry +? (not recorded), 5 payments 503s in its access log',
    );
    expect(
      evaluateRetries({ orderStatuses: statuses, retries: undefined, payments503: 5, failureRate: 0.3 }).status,
    ).toBe('pass');
    expect(
      evaluateRetries({ orderStatuses: statuses, retries: undefined, payments503: 0, failureRate: 0.3 }).status,
    ).toBe('fail');
  });

  it('timeout: 504 no later than the route timeout plus slack', () => {
    expect(evaluateTimeout(ok(504, 1503), 1500, 500).status).toBe('pass');
    expect(evaluateTimeout(ok(504, 2600), 1500, 500).status).toBe('fail');
    expect(evaluateTimeout(ok(201, 2600), 1500, 500).detail).toBe(
      'expected 504: HTTP 201 in 2600 ms, route timeout 1500 ms',
    );
  });

  it('breaker: 503 with UO in the access log, or the overload header', () => {
    const log = parseAccessLog(fixture('orders-proxy-access.log'));
    const results = [ok(201, 260), ok(503, 1, true), ok(503, 1, true)];
    const tripped = evaluateBreaker({ results, accessLog: log, pendingOverflow: 2 });
    expect(tripped).toEqual({
      status: 'pass',
      detail:
        '3 concurrent calls: 1× 201, 2× 503; 2 with x-envoy-overloaded, 3 access-log entries 503 UO, upstream_rq_pending_overflow +2',
    });
    const notBreaker = evaluateBreaker({
      results: [ok(201), ok(503)],
      accessLog: [{ method: 'POST', path: '/authorizations', status: 503, flags: ['UH'] }],
      pendingOverflow: undefined,
    });
    expect(notBreaker.status).toBe('fail');
    expect(notBreaker.detail).toContain('none from the circuit breaker');
    expect(evaluateBreaker({ results: [ok(201)], accessLog: [], pendingOverflow: 0 }).status).toBe('fail');
  });

  it('outlier detection: the failing endpoint carries failed_outlier_check', () => {
    const hosts = parseClusterHosts(fixture('orders-proxy-clusters.txt'), outboundCluster('payments', 'shop', 3002));
    expect(evaluateOutlier('10.244.0.31:3002', hosts)).toEqual({
      status: 'pass',
      detail: '10.244.0.31:3002: failed_outlier_check; 2 other endpoints healthy',
    });
    expect(evaluateOutlier('10.244.0.17:3002', hosts).status).toBe('fail');
    expect(evaluateOutlier('10.244.0.99:3002', hosts).detail).toContain('never became an endpoint');
    expect(evaluateOutlier('10.244.0.17:3002', hosts, 1)).toEqual({
      status: 'pass',
      detail: '10.244.0.17:3002: healthy; 2 other endpoints not all healthy; ejections_enforced_total +1',
    });
  });
});

describe('tracing', () => {
  const traces = parseJaegerResponse<JaegerTrace[]>(fixture('jaeger-traces.json'), 'traces');
  const expected = { required: ['istio-ingressgateway', 'orders', 'payments'], anyOf: ['notifications', 'analytics'] };

  it('finds the trace that spans the gateway, orders, payments and a consumer', () => {
    expect(evaluateTrace(traces, expected)).toEqual({
      status: 'pass',
      detail:
        'trace 4bf92f3577b34da6a3ce929d0e0e4736: 6 spans across istio-ingressgateway.istio-system, notifications, orders.shop, payments.shop',
    });
  });

  it('says what the most complete trace lacks', () => {
    const withoutAsync = traces.map((t) => ({ ...t, spans: t.spans.filter((s) => s.processID !== 'p4') }));
    expect(evaluateTrace(withoutAsync, expected)).toMatchObject({
      status: 'fail',
      detail: expect.stringContaining('lacks notifications or analytics'),
    });
    expect(evaluateTrace([], expected).status).toBe('fail');
  });
});

describe('identity', () => {
  const base = { subject: 'u-token', spoofed: 'u-client', status: 200 };
  it("passes when the service saw the token's sub", () => {
    expect(evaluateIdentity({ ...base, seenUserId: 'u-token' }).status).toBe('pass');
  });
  it("fails naming the leak when the client's header reached the service", () => {
    const result = evaluateIdentity({ ...base, seenUserId: 'u-client' });
    expect(result.status).toBe('fail');
    expect(result.detail).toMatch(/client's x-user-id reached the service/);
  });
  it('fails when the service saw neither, or the request was refused', () => {
    expect(evaluateIdentity({ ...base, seenUserId: undefined }).detail).toMatch(/did not see the token's sub/);
    expect(evaluateIdentity({ ...base, status: 401, seenUserId: undefined }).detail).toMatch(/expected 200/);
  });
});
