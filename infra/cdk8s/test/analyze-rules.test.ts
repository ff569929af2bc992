import { describe, expect, it } from 'vitest';
import { ANNOTATION } from '../src/mesh-names.js';
import type { AnalysisModel, HopPolicy, ManifestObject, RouteNode } from '../src/analyze/model.js';
import { rules } from '../src/analyze/rules/index.js';
import { acyclicRoutes } from '../src/analyze/rules/acyclic-routes.js';
import { acyclicServices } from '../src/analyze/rules/acyclic-services.js';
import { calleesDeclared } from '../src/analyze/rules/callees-declared.js';
import { maxRetriesSet } from '../src/analyze/rules/max-retries.js';
import { outlierDetection } from '../src/analyze/rules/outlier-detection.js';
import { requestBudget } from '../src/analyze/rules/request-budget.js';
import { retryAmplification } from '../src/analyze/rules/retry-amplification.js';
import { retryBudgetSet } from '../src/analyze/rules/retry-budget.js';
import { routeTimeout } from '../src/analyze/rules/route-timeout.js';
import { routesDeclared } from '../src/analyze/rules/routes-declared.js';
import { safeRetries } from '../src/analyze/rules/safe-retries.js';
import { triesFitTimeout } from '../src/analyze/rules/tries-fit-timeout.js';
import { tryOutlastsCallees } from '../src/analyze/rules/try-outlasts-callees.js';

/** Each rule on a small hand-made model: silent when the model keeps it, one finding when not. */
const policy = (p: Partial<HopPolicy> = {}): HopPolicy => ({
  timeoutMs: 1000,
  attempts: 0,
  perTryTimeoutMs: undefined,
  retryOn: [],
  ...p,
});
const route = (key: string, r: Partial<Omit<RouteNode, 'key' | 'policy'>> & { policy?: Partial<HopPolicy> } = {}) => {
  const node: RouteNode = {
    key,
    service: key.split(' ')[1]!,
    idempotent: true,
    calls: [],
    callOrder: 'sequential',
    ownWorkMarginPercent: 20,
    ...r,
    policy: policy(r.policy),
  };
  return node;
};
const object = (kind: string, name: string, spec: unknown, namespace = 'shop'): ManifestObject => ({
  apiVersion: 'v1',
  kind,
  metadata: { name, namespace },
  spec,
});
const goodRule = (name: string) =>
  object('DestinationRule', name, {
    trafficPolicy: {
      outlierDetection: { consecutive5xxErrors: 5 },
      connectionPool: { http: { maxRetries: 8 } },
      retryBudget: { percent: 20, minRetryConcurrency: 3 },
    },
  });
function model(m: Partial<AnalysisModel> = {}): AnalysisModel {
  const routes = m.routes ?? [];
  return {
    objects: [],
    routes,
    byKey: new Map(routes.map((r) => [r.key, r])),
    paths: [],
    destinationRules: [goodRule('users')],
    namespace: 'shop',
    maxAmplification: 6,
    budget: { cpuMilli: 1000, memoryMi: 1536 },
    totals: { cpuMilli: 500, memoryMi: 700, sidecarCpuMilli: 100, sidecarMemoryMi: 200, pods: 5 },
    // Autoscalers at their maximum may exceed the budget: only the minimum is held to it.
    totalsAtMax: { cpuMilli: 2000, memoryMi: 3000, sidecarCpuMilli: 400, sidecarMemoryMi: 800, pods: 20 },
    ...m,
  };
}
const virtualService = (http: unknown[], annotated: string[]): ManifestObject => ({
  apiVersion: 'networking.istio.io/v1',
  kind: 'VirtualService',
  metadata: {
    name: 'users',
    annotations: {
      [ANNOTATION.routes]: JSON.stringify(
        annotated.map((name) => ({ name, method: 'GET', path: '/users', idempotent: true, calls: [] })),
      ),
    },
  },
  spec: { http },
});
const policyFor = (from: string, to: string): ManifestObject =>
  object('AuthorizationPolicy', to, {
    selector: { matchLabels: { app: to } },
    rules: [{ from: [{ source: { principals: [`cluster.local/ns/shop/sa/${from}`] } }] }],
  });

describe('analyze rules', () => {
  it('each has its own name, and the report lists them all', () => {
    expect(new Set(rules.map((r) => r.name)).size).toBe(rules.length);
    expect(rules).toHaveLength(13);
  });

  it.each([
    [
      routesDeclared,
      model({ objects: [virtualService([{ name: 'list', route: [{}] }], ['list'])] }),
      model({ objects: [virtualService([{ name: 'list', route: [{}] }, { route: [{}] }], ['list', 'gone'])] }),
      [
        'VirtualService users: route #1 forwards but is not declared in mesh-kit.dev/routes, so no check covers it',
        'VirtualService users: annotated route gone has no http route',
      ],
    ],
    [
      routeTimeout,
      model({ routes: [route('GET users /users')] }),
      model({ routes: [route('GET users /users', { policy: { timeoutMs: undefined } })] }),
      ['route GET users /users: no timeout'],
    ],
    [
      safeRetries,
      model({
        routes: [
          route('POST users /users', { idempotent: false, policy: { attempts: 2, retryOn: ['connect-failure'] } }),
        ],
      }),
      model({ routes: [route('POST users /users', { idempotent: false, policy: { attempts: 2, retryOn: ['5xx'] } })] }),
      ['route POST users /users: retries on 5xx but is not idempotent'],
    ],
    [
      calleesDeclared,
      model({ routes: [route('GET a /x', { calls: ['GET b /y'] }), route('GET b /y')] }),
      model({ routes: [route('GET a /x', { calls: ['GET b /y'] })] }),
      ['route GET a /x: calls GET b /y, which no VirtualService declares'],
    ],
    [
      triesFitTimeout,
      model({ routes: [route('GET a /x', { policy: { attempts: 2, perTryTimeoutMs: 300, timeoutMs: 900 } })] }),
      model({ routes: [route('GET a /x', { policy: { attempts: 2, perTryTimeoutMs: 301, timeoutMs: 900 } })] }),
      ['route GET a /x: 3 tries × 301ms per try exceed the 900ms timeout'],
    ],
    [
      tryOutlastsCallees,
      model({ routes: [route('GET a /x', { calls: ['GET b /y'], policy: { timeoutMs: 1200 } }), route('GET b /y')] }),
      model({ routes: [route('GET a /x', { calls: ['GET b /y'], policy: { timeoutMs: 1199 } }), route('GET b /y')] }),
      [
        "route GET a /x: one try (1199ms) is shorter than GET a /x's callees' worst case plus its own work (GET b /y 1000ms, + 20% own work = 1200ms)",
      ],
    ],
    [
      acyclicRoutes,
      model({ routes: [route('GET a /x', { calls: ['GET b /y'] }), route('GET b /y')] }),
      model({ routes: [route('GET a /x', { calls: ['GET b /y'] }), route('GET b /y', { calls: ['GET a /x'] })] }),
      ['call graph cycle: GET a /x → GET b /y → GET a /x', 'call graph cycle: GET b /y → GET a /x → GET b /y'],
    ],
    [
      acyclicServices,
      model({ objects: [policyFor('a', 'b')] }),
      model({ objects: [policyFor('a', 'b'), policyFor('b', 'a')] }),
      ['service call graph cycle: a → b → a', 'service call graph cycle: b → a → b'],
    ],
    [
      retryAmplification,
      model({ paths: [{ hops: [route('GET gateway /x'), route('GET a /x')], amplification: 6 }] }),
      model({ paths: [{ hops: [route('GET gateway /x'), route('GET a /x')], amplification: 9 }] }),
      ['call path GET gateway /x → GET a /x: 9 worst-case attempts exceed the bound of 6'],
    ],
    [
      outlierDetection,
      model(),
      model({ destinationRules: [object('DestinationRule', 'users', { trafficPolicy: {} })] }),
      ['DestinationRule users: no outlierDetection'],
    ],
    [
      retryBudgetSet,
      model(),
      model({
        destinationRules: [
          object('DestinationRule', 'users', {
            trafficPolicy: { retryBudget: { percent: 0, minRetryConcurrency: 1 } },
          }),
        ],
      }),
      ['DestinationRule users: retryBudget.percent 0 allows no retries'],
    ],
    [
      maxRetriesSet,
      model(),
      model({ destinationRules: [object('DestinationRule', 'users', { trafficPolicy: {} })] }),
      ['DestinationRule users: no connectionPool.http.maxRetries'],
    ],
    [
      requestBudget,
      model(),
      model({ totals: { cpuMilli: 1001, memoryMi: 700, sidecarCpuMilli: 100, sidecarMemoryMi: 200, pods: 5 } }),
      ['namespace shop: requests 1001m CPU / 700Mi exceed the budget of 1000m / 1536Mi'],
    ],
  ])('$name', (rule, kept, broken, findings) => {
    expect(rule.check(kept)).toEqual([]);
    expect(rule.check(broken)).toEqual(findings);
  });
});
