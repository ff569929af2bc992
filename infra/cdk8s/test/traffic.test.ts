import { describe, expect, it } from 'vitest';
import { type Catalog, type CircuitBreaker, catalog } from '@mesh-kit/catalog';
import { catalogProblems } from '../src/catalog-check.js';
import { analyze } from '../src/analyze/analyze.js';
import type { TrafficState } from '@mesh-kit/catalog/traffic';
import { type KubeObject, find, ofKind, synthObjects } from './support/shop.js';
import { validateObject } from './support/schema-validator.js';
import { apiServerProblems } from './support/api-server-checks.js';
import { celValidator, crdFile } from './support/cel-rules.js';

const cel = celValidator(crdFile);

interface Destination {
  destination: { host: string; port: { number: number }; subset?: string };
  weight?: number;
}
interface HttpRoute {
  name: string;
  match?: { headers?: Record<string, { exact?: string }>; method?: { exact: string }; uri?: Record<string, string> }[];
  route?: Destination[];
  timeout?: string;
  fault?: { delay?: unknown; abort?: unknown };
  mirror?: { host: string; subset?: string };
  mirrorPercentage?: { value: number };
}

const withTraffic = (traffic: TrafficState): Catalog => ({ ...catalog, traffic });
const canary = (weightPercent: number, extra: Partial<TrafficState> = {}): Catalog =>
  withTraffic({ releases: { storefront: { stage: 'canary', weightPercent } }, mirrors: {}, ...extra });

/** Every traffic variant the make targets can produce for the shop. */
const variants: Record<string, Catalog> = {
  'canary 20 % with a 10 % mirror and users-slow': canary(20, {
    mirrors: { storefront: { percent: 10 } },
    scenario: 'users-slow',
  }),
  'canary 0 % with users-down': canary(0, { scenario: 'users-down' }),
  'promoted with payments-flaky': withTraffic({
    releases: { storefront: { stage: 'promoted' } },
    mirrors: {},
    scenario: 'payments-flaky',
  }),
  'rolled back': withTraffic({ releases: { storefront: { stage: 'stable' } }, mirrors: {} }),
  'payments-replica-down': withTraffic({ releases: {}, mirrors: {}, scenario: 'payments-replica-down' }),
};
const synthesized = Object.entries(variants).map(([name, c]) => [name, synthObjects(c)] as const);

const httpOf = (vs: KubeObject): HttpRoute[] => (vs.spec as { http: HttpRoute[] }).http;
const virtualServices = (objects: readonly KubeObject[]): KubeObject[] => ofKind(objects, 'VirtualService');
const podLabels = (d: KubeObject): Record<string, string> =>
  (d.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata.labels;
const hostService = (host: string): string => host.split('.')[0] ?? '';

// The PodDisruptionBudget and the autoscaler belong to one Deployment each, by design.
const perVersion = new Set(['Deployment', 'PodDisruptionBudget', 'HorizontalPodAutoscaler']);
const selectorOf = (o: KubeObject): Record<string, string> | undefined => {
  const spec = (o.spec ?? {}) as {
    selector?: Record<string, unknown> & { matchLabels?: Record<string, string> };
    podSelector?: { matchLabels?: Record<string, string> };
    workloadSelector?: { labels?: Record<string, string> };
  };
  if (o.kind === 'Service') return spec.selector as Record<string, string> | undefined;
  if (o.kind === 'NetworkPolicy') return spec.podSelector?.matchLabels ?? {};
  if (o.kind === 'Sidecar') return spec.workloadSelector?.labels;
  return spec.selector?.matchLabels;
};
const selectingIn =
  (objects: readonly KubeObject[]) =>
  (labels: Record<string, string>): string[] =>
    objects
      .filter((o) => o.metadata.namespace === catalog.namespace && !perVersion.has(o.kind))
      .filter((o) => {
        const selector = selectorOf(o);
        return selector !== undefined && Object.entries(selector).every(([k, v]) => labels[k] === v);
      })
      .map((o) => `${o.kind}/${o.metadata.name}`)
      .sort();

/** The subsets of the DestinationRule for `host`, name → labels. */
function subsetsOf(objects: readonly KubeObject[], host: string): Map<string, Record<string, string>> {
  const dr = ofKind(objects, 'DestinationRule').find((d) => (d.spec as { host: string }).host === host);
  const subsets = (dr?.spec as { subsets?: { name: string; labels: Record<string, string> }[] } | undefined)?.subsets;
  return new Map((subsets ?? []).map((s) => [s.name, s.labels]));
}

describe.each(synthesized)('traffic variant: %s', (_name, objects) => {
  it('every VirtualService, DestinationRule, Deployment and PodDisruptionBudget validates strictly', async () => {
    const kinds = new Set([
      'VirtualService',
      'DestinationRule',
      'Deployment',
      'PodDisruptionBudget',
      'HorizontalPodAutoscaler',
    ]);
    for (const o of objects.filter((x) => kinds.has(x.kind))) {
      expect(await validateObject(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
    }
  });

  it("every object passes the API server's built-in checks, and every Istio object the CRDs' CEL rules", () => {
    for (const o of objects) {
      expect(apiServerProblems(o), `${o.kind} ${o.metadata.name}`).toEqual([]);
      expect(cel.validate(o)).toEqual([]);
    }
  });

  it('every subset a route or mirror names exists and selects the pods of a Deployment of that service', () => {
    for (const vs of virtualServices(objects)) {
      for (const r of httpOf(vs)) {
        const targets = [...(r.route ?? []).map((d) => d.destination), ...(r.mirror === undefined ? [] : [r.mirror])];
        for (const t of targets.filter((x) => x.subset !== undefined)) {
          const labels = subsetsOf(objects, t.host).get(t.subset!);
          expect(labels, `${vs.metadata.name}/${r.name}: subset ${t.subset} of ${t.host}`).toBeDefined();
          const pods = ofKind(objects, 'Deployment').filter((d) => {
            const l = podLabels(d);
            return l.app === hostService(t.host) && Object.entries(labels!).every(([k, v]) => l[k] === v);
          });
          expect(pods.length, `${vs.metadata.name}/${r.name}: pods of subset ${t.subset}`).toBeGreaterThan(0);
        }
      }
    }
  });

  it('weights of a split sum to 100, header routes precede the weighted route they pin, mirrors only beside a split', () => {
    for (const vs of virtualServices(objects)) {
      const http = httpOf(vs);
      for (const [i, r] of http.entries()) {
        const weighted = (r.route ?? []).filter((d) => d.weight !== undefined);
        if ((r.route ?? []).length > 1 || weighted.length > 0) {
          expect(
            weighted.reduce((n, d) => n + d.weight!, 0),
            `${vs.metadata.name}/${r.name}`,
          ).toBe(100);
        }
        if (r.name.endsWith('-canary')) {
          expect(
            r.match?.every((m) => m.headers?.['x-canary']?.exact === 'always'),
            r.name,
          ).toBe(true);
          const split = http.findIndex((x) => x.name === r.name.replace(/-canary$/, ''));
          expect(split, `${vs.metadata.name}: ${r.name} before its split`).toBeGreaterThan(i);
          expect(http[split]!.route!.map((d) => d.destination.subset)).toEqual(['v1', 'v2']);
        }
        if (r.mirror !== undefined) {
          expect(weighted.length, `${r.name} mirrors beside a split`).toBe(2);
          expect(r.mirrorPercentage?.value).toBeGreaterThan(0);
        }
      }
    }
  });

  it('a faulted route keeps an explicit timeout, and every forwarding route has one', () => {
    for (const vs of virtualServices(objects)) {
      for (const r of httpOf(vs).filter((x) => x.route !== undefined)) {
        expect(r.timeout, `${vs.metadata.name}/${r.name}`).toMatch(/^\d+(\.\d+)?s$/);
      }
    }
  });

  it('npm run analyze finds nothing: a v2 is a workload like any other (budget, retries, timeouts)', () => {
    expect(analyze(objects).findings).toEqual([]);
  });
});

describe('what each traffic variant deploys', () => {
  const objectsOf = (name: string): readonly KubeObject[] => synthesized.find(([n]) => n === name)![1];
  const deployments = (objects: readonly KubeObject[]): string[] =>
    ofKind(objects, 'Deployment')
      .map((d) => d.metadata.name)
      .filter((n) => n.startsWith('storefront'));

  it('a canary runs both versions, each Deployment selecting its own version; the split shows at the gateway too', () => {
    const objects = objectsOf('canary 20 % with a 10 % mirror and users-slow');
    expect(deployments(objects)).toEqual(['storefront', 'storefront-v2']);
    const v2 = find(objects, 'Deployment', 'storefront-v2');
    expect((v2.spec as { selector: { matchLabels: object } }).selector.matchLabels).toEqual({
      app: 'storefront',
      version: 'v2',
    });
    const env = (v2.spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } })
      .template.spec.containers[0]!.env;
    expect(env).toContainEqual({ name: 'OVERVIEW_RELEASE', value: 'v2' });
    expect(find(objects, 'PodDisruptionBudget', 'storefront-v2')).toBeDefined();
    const ingress = httpOf(find(objects, 'VirtualService', 'shop-ingress'));
    const pinned = ingress.findIndex((r) => r.name === 'storefront-get-overview-canary');
    const split = ingress.findIndex((r) => r.name === 'storefront-get-overview');
    expect(pinned).toBeGreaterThan(-1);
    expect(split).toBeGreaterThan(pinned);
    expect(ingress[split]!.route!.map((d) => [d.destination.subset, d.weight])).toEqual([
      ['v1', 80],
      ['v2', 20],
    ]);
    expect(ingress[split]!.mirror?.subset).toBe('v2');
    expect(ingress[split]!.mirrorPercentage).toEqual({ value: 10 });
  });

  it("a canary's v2 pods are selected by every Service and policy that selects v1's (NetworkPolicy, AuthorizationPolicy, Sidecar, ...)", () => {
    const objects = objectsOf('canary 20 % with a 10 % mirror and users-slow');
    const [v1, v2] = ['storefront', 'storefront-v2'].map((name) => podLabels(find(objects, 'Deployment', name)));
    const selecting = selectingIn(objects);
    expect(selecting(v1!)).toEqual(
      expect.arrayContaining([
        'Service/storefront',
        'NetworkPolicy/storefront',
        'NetworkPolicy/default-deny',
        'AuthorizationPolicy/storefront',
      ]),
    );
    expect(selecting(v2!)).toEqual(selecting(v1!));
  });

  it('users-slow delays every users route for its callers, and nothing else', () => {
    const objects = objectsOf('canary 20 % with a 10 % mirror and users-slow');
    for (const r of httpOf(find(objects, 'VirtualService', 'users'))) {
      expect(r.fault).toEqual({ delay: { fixedDelay: '3s', percentage: { value: 100 } } });
    }
    const faulted = virtualServices(objects).filter((vs) => httpOf(vs).some((r) => r.fault !== undefined));
    expect(faulted.map((vs) => vs.metadata.name)).toEqual(['users']);
  });

  it('users-down aborts users routes with 503', () => {
    const r = httpOf(find(objectsOf('canary 0 % with users-down'), 'VirtualService', 'users'))[0]!;
    expect(r.fault).toEqual({ abort: { httpStatus: 503, percentage: { value: 100 } } });
  });

  it('payments-flaky turns the failure knob through the env, no fault on any route', () => {
    const objects = objectsOf('promoted with payments-flaky');
    const env = (
      find(objects, 'Deployment', 'payments').spec as {
        template: { spec: { containers: { env: { name: string; value?: string }[] }[] } };
      }
    ).template.spec.containers[0]!.env;
    expect(env).toContainEqual({ name: 'PAYMENTS_FAILURE_RATE', value: '0.3' });
    expect(
      virtualServices(objects)
        .flatMap(httpOf)
        .filter((r) => r.fault !== undefined),
    ).toEqual([]);
  });

  it('payments-replica-down adds one payments-faulty pod failing every request, beside the healthy replicas', () => {
    const objects = objectsOf('payments-replica-down');
    const healthy = find(objects, 'Deployment', 'payments');
    const faulty = find(objects, 'Deployment', 'payments-faulty');
    const spec = (d: KubeObject): { replicas: number; selector: { matchLabels: object } } =>
      d.spec as { replicas: number; selector: { matchLabels: object } };
    expect(spec(faulty).replicas).toBe(1);
    // The healthy replicas stay under their autoscaler; the faulty one is one pod, unscaled.
    expect(ofKind(objects, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).toContain('payments');
    expect(spec(faulty).selector.matchLabels).toEqual({ app: 'payments', version: 'faulty' });
    const envOf = (d: KubeObject): { name: string; value?: string }[] =>
      (d.spec as { template: { spec: { containers: { env: { name: string; value?: string }[] }[] } } }).template.spec
        .containers[0]!.env;
    expect(envOf(faulty)).toContainEqual({ name: 'PAYMENTS_FAILURE_RATE', value: '1' });
    expect(envOf(healthy)).not.toContainEqual({ name: 'PAYMENTS_FAILURE_RATE', value: '1' });
    expect(find(objects, 'PodDisruptionBudget', 'payments-faulty')).toBeDefined();
    expect(ofKind(objects, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).not.toContain('payments-faulty');
    // One host, no subsets: every caller's pool holds the faulty pod, and its outlier detection ejects it.
    const dr = ofKind(objects, 'DestinationRule').find(
      (d) => hostService((d.spec as { host: string }).host) === 'payments',
    );
    const policy = dr!.spec as { subsets?: unknown; trafficPolicy: { outlierDetection: Record<string, unknown> } };
    expect(policy.subsets).toBeUndefined();
    expect(policy.trafficPolicy.outlierDetection).toMatchObject({
      consecutive5xxErrors: 5,
      interval: '10s',
      baseEjectionTime: '30s',
    });
    expect(
      virtualServices(objects)
        .flatMap(httpOf)
        .filter((r) => r.fault !== undefined),
    ).toEqual([]);
  });

  it("the faulty payments pod is selected by every Service and policy that selects the healthy ones'", () => {
    const objects = objectsOf('payments-replica-down');
    const selecting = selectingIn(objects);
    const [healthy, faulty] = ['payments', 'payments-faulty'].map((n) => podLabels(find(objects, 'Deployment', n)));
    expect(selecting(healthy!)).toEqual(
      expect.arrayContaining(['Service/payments', 'NetworkPolicy/payments', 'AuthorizationPolicy/payments']),
    );
    expect(selecting(faulty!)).toEqual(selecting(healthy!));
  });

  it('npm run analyze counts the faulty pod in the namespace totals', () => {
    const off = analyze(objectsOf('rolled back')).totals;
    const on = analyze(objectsOf('payments-replica-down')).totals;
    expect(on.pods).toBe(off.pods + 1);
    expect(on.cpuMilli).toBeGreaterThan(off.cpuMilli);
  });

  it("promotion gives v2 what v1 had: its replicas and its autoscaler's floor", () => {
    const storefront = catalog.services.find((s) => s.name === 'storefront');
    const stable = objectsOf('rolled back');
    const promoted = objectsOf('promoted with payments-flaky');
    const replicas = (objects: readonly KubeObject[], name: string): unknown =>
      (find(objects, 'Deployment', name).spec as { replicas?: number }).replicas;
    const floor = (objects: readonly KubeObject[], name: string): unknown =>
      (find(objects, 'HorizontalPodAutoscaler', name).spec as { minReplicas?: number }).minReplicas;
    expect(storefront?.autoscaling).toBeDefined();
    expect(floor(promoted, 'storefront-v2')).toBe(floor(stable, 'storefront'));
    expect(floor(promoted, 'storefront-v2')).toBe(storefront?.autoscaling?.minReplicas);
    expect(replicas(promoted, 'storefront-v2')).toBe(replicas(stable, 'storefront'));
  });

  it('promotion leaves v2 alone, every route on subset v2; a rollback leaves v1 alone on subset v1', () => {
    const promoted = objectsOf('promoted with payments-flaky');
    expect(deployments(promoted)).toEqual(['storefront-v2']);
    expect(
      httpOf(find(promoted, 'VirtualService', 'storefront')).map((r) => r.route!.map((d) => d.destination.subset)),
    ).toEqual([['v2']]);
    const back = objectsOf('rolled back');
    expect(deployments(back)).toEqual(['storefront']);
    expect(
      httpOf(find(back, 'VirtualService', 'storefront')).map((r) => r.route!.map((d) => d.destination.subset)),
    ).toEqual([['v1']]);
    expect([...subsetsOf(back, 'storefront.shop.svc.cluster.local').keys()]).toEqual(['v1']);
  });
});

describe('the catalog check refuses traffic that cannot be synthesized, naming the field', () => {
  const problems = (traffic: TrafficState): string => catalogProblems(withTraffic(traffic)).join('\n');
  it.each([
    [
      { releases: { payments: { stage: 'canary', weightPercent: 10 } }, mirrors: {} },
      /traffic\.releases\.payments: payments has no v2/,
    ],
    [
      { releases: { storefront: { stage: 'canary', weightPercent: 101 } }, mirrors: {} },
      /traffic\.releases\.storefront\.weightPercent: .* got 101/,
    ],
    [
      { releases: { storefront: { stage: 'canary', weightPercent: 2.5 } }, mirrors: {} },
      /weightPercent: must be a whole number/,
    ],
    [
      { releases: {}, mirrors: { storefront: { percent: 10 } } },
      /traffic\.mirrors\.storefront: mirroring needs v1 and v2 running/,
    ],
    [
      { releases: { storefront: { stage: 'canary', weightPercent: 0 } }, mirrors: { storefront: { percent: 0 } } },
      /mirrors\.storefront\.percent: must be in \(0, 100\]/,
    ],
    [{ releases: {}, mirrors: {}, scenario: 'gremlins' }, /traffic\.scenario: no scenario named 'gremlins'/],
  ] as [TrafficState, RegExp][])('%j', (traffic, message) => {
    expect(problems(traffic)).toMatch(message);
  });

  it('refuses a scenario on an undeclared knob or without a delay or abort', () => {
    const broken: Catalog = {
      ...catalog,
      scenarios: [
        {
          name: 'x',
          description: '',
          mechanism: { kind: 'env', service: 'payments', env: { PAYMENTS_FAIL: '1' } },
          outcome: { kind: 'success-rate', method: 'GET', path: '/', minPercent: 1 },
        },
        {
          name: 'y',
          description: '',
          mechanism: { kind: 'fault', service: 'users', percent: 50 },
          outcome: { kind: 'success-rate', method: 'GET', path: '/', minPercent: 1 },
        },
        {
          name: 'z',
          description: '',
          mechanism: { kind: 'faulty-replica', service: 'storefront', env: { OVERVIEW_RELEASE: 'broken' } },
          outcome: { kind: 'ejection', method: 'GET', path: '/api/overview', minPercent: 99 },
        },
      ],
    };
    const text = catalogProblems(broken).join('\n');
    expect(text).toMatch(/scenarios\[2\] \(z\)\.mechanism\.service: storefront declares a v2/);
    expect(text).toMatch(/scenarios\[0\] \(x\)\.mechanism\.env\.PAYMENTS_FAIL: payments declares no such setting/);
    expect(text).toMatch(/scenarios\[1\] \(y\)\.mechanism: a fault needs delayMs or abortStatus/);
  });

  it('refuses switching payments-replica-down on while payments has no outlier detection to eject it', () => {
    const { maxConnections, maxPendingRequests, maxRetries, retryBudget } = catalog.defaults.circuitBreaker;
    const breaker: CircuitBreaker = { maxConnections, maxPendingRequests, maxRetries, retryBudget };
    const source: Catalog = {
      ...catalog,
      services: catalog.services.map((s) => (s.name === 'payments' ? { ...s, circuitBreaker: breaker } : s)),
    };
    expect(catalogProblems(source)).toEqual([]);
    expect(
      catalogProblems({ ...source, traffic: { releases: {}, mirrors: {}, scenario: 'payments-replica-down' } }).join(
        '\n',
      ),
    ).toMatch(/scenarios\[1\] \(payments-replica-down\)\.mechanism\.service: payments has no outlier detection/);
  });

  it('the shop as committed has no problems', () => {
    expect(catalogProblems(catalog)).toEqual([]);
  });
});
