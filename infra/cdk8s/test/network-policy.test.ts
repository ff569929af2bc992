/**
 * The synthesized NetworkPolicies, evaluated on the model of the API's semantics
 * (support/network-policy-model.ts), against what the catalog declares: for every pair of pods and
 * every port that matters, a connection is allowed if and only if the catalog declares it.
 */
import { describe, expect, it } from 'vitest';
import { type Catalog, catalog, usesBroker } from '@mesh-kit/catalog';
import { type Pod, type Port, allowed, workloadPods as shopPods } from './support/network-policy-model.js';
import { ofKind, synthObjects } from './support/shop.js';

/** The platform's pods, as the Istio addons, istioctl and kube-dns label them. */
function platformPods(source: Catalog): Pod[] {
  const { network, ingress } = source;
  return [
    {
      name: 'ingress-gateway',
      namespace: ingress.namespace,
      labels: { ...ingress.selector, app: 'istio-ingressgateway' },
    },
    { name: 'prometheus', namespace: network.prometheus.namespace, labels: { ...network.prometheus.podLabels } },
    { name: 'istiod', namespace: network.istiod.namespace, labels: { ...network.istiod.podLabels, istio: 'pilot' } },
    { name: 'kube-dns', namespace: network.dns.namespace, labels: { ...network.dns.podLabels } },
    { name: 'jaeger', namespace: network.collector.namespace, labels: { ...network.collector.podLabels } },
    { name: 'kiali', namespace: 'istio-system', labels: { app: 'kiali' } },
    // Pods nobody declared: a debug pod in the namespace and a workload of another namespace.
    { name: 'stranger', namespace: source.namespace, labels: { app: 'debug' } },
    { name: 'elsewhere', namespace: 'default', labels: { app: 'other' } },
  ];
}

/**
 * What the catalog declares, written from its meaning rather than from network-allowances.ts:
 * `from → to:port/protocol`.
 */
function declared(source: Catalog): Set<string> {
  const out = new Set<string>();
  const add = (from: string, to: string, port: number, protocol = 'TCP'): void => {
    out.add(`${from} → ${to}:${port}/${protocol}`);
  };
  const workloads = [...source.services.map((s) => s.name), 'postgres', 'nats', 'postgres-init', 'broker-bootstrap'];
  for (const spec of source.services) {
    for (const call of spec.calls)
      add(spec.name, call.service, source.services.find((s) => s.name === call.service)!.port);
    if (spec.gateway.length > 0) add('ingress-gateway', spec.name, spec.port);
    // The gateway's ext_authz checks on API-key routes (meshConfig provider → the apikeys Service).
    if (spec.name === source.ingress.apiKeys.service) add('ingress-gateway', spec.name, spec.port);
    if (spec.database !== undefined) add(spec.name, 'postgres', source.postgres.port);
    if (usesBroker(spec)) add(spec.name, 'nats', source.nats.port);
    if (spec.callsGateway === true) add(spec.name, 'ingress-gateway', 8080);
  }
  add('postgres-init', 'postgres', source.postgres.port);
  add('broker-bootstrap', 'nats', source.nats.port);
  for (const workload of workloads) {
    add('prometheus', workload, 15020);
    add(workload, 'kube-dns', 53, 'UDP');
    add(workload, 'kube-dns', 53, 'TCP');
    add(workload, 'istiod', 15012);
    add(workload, 'jaeger', 9411);
  }
  return out;
}

function evaluate(source: Catalog): { allowed: Set<string>; declared: Set<string>; pairs: number } {
  const objects = synthObjects(source);
  const policies = ofKind(objects, 'NetworkPolicy');
  const shop = shopPods(objects, source.namespace);
  const pods = [...shop, ...platformPods(source)];
  const ports: Port[] = [
    ...source.services.map((s) => s.port),
    source.postgres.port,
    source.nats.port,
    8222, // NATS monitoring
    15020, // merged metrics
    15021, // sidecar health
    15090, // Envoy's own metrics
    15000, // Envoy admin
    15012, // istiod xDS
    15017, // istiod webhook
    8080, // ingress gateway pod
    9411, // trace collector
    9090, // Prometheus
    53,
  ].flatMap((port) => [
    { port, protocol: 'TCP' as const },
    ...(port === 53 ? [{ port, protocol: 'UDP' as const }] : []),
  ]);
  const result = new Set<string>();
  let pairs = 0;
  for (const from of pods) {
    for (const to of pods) {
      if (from === to) continue;
      // Only the shop's policies are under test: traffic between two platform pods is not ours to judge.
      if (from.namespace !== source.namespace && to.namespace !== source.namespace) continue;
      for (const port of ports) {
        pairs += 1;
        if (allowed(policies, from, to, port)) result.add(`${from.name} → ${to.name}:${port.port}/${port.protocol}`);
      }
    }
  }
  return { allowed: result, declared: declared(source), pairs };
}

describe('NetworkPolicy', () => {
  const objects = synthObjects();
  const policies = ofKind(objects, 'NetworkPolicy');

  it('denies everything in the namespace by default, and every workload has a policy of its own', () => {
    const deny = policies.find((p) => p.metadata.name === 'default-deny');
    expect(deny?.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const names = policies.map((p) => p.metadata.name).sort();
    const workloads = shopPods(objects, catalog.namespace).map((p) => p.name);
    expect(names).toEqual(['default-deny', ...workloads].sort());
  });

  it('allows every declared connection and nothing else, for every pair of pods and port', () => {
    const { allowed: open, declared: wanted, pairs } = evaluate(catalog);
    expect(pairs).toBeGreaterThan(1000);
    expect([...wanted].filter((c) => !open.has(c))).toEqual([]);
    expect([...open].filter((c) => !wanted.has(c))).toEqual([]);
  });

  it('keeps NATS monitoring and the sidecars’ other ports away from every pod', () => {
    const { allowed: open } = evaluate(catalog);
    expect([...open].filter((c) => /:(8222|15000|15021|15090)\//.test(c))).toEqual([]);
    const nats = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'nats');
    expect((nats?.spec as { ports: { port: number }[] }).ports.map((p) => p.port)).toEqual([catalog.nats.port]);
  });

  it('follows the catalog: a new call opens exactly that connection', () => {
    const changed: Catalog = {
      ...catalog,
      services: catalog.services.map((s) =>
        s.name === 'storefront'
          ? { ...s, calls: [...s.calls, { service: 'payments', methods: ['POST'], paths: ['/authorizations'] }] }
          : s,
      ),
    };
    const before = evaluate(catalog).allowed;
    const after = evaluate(changed).allowed;
    expect([...after].filter((c) => !before.has(c))).toEqual([
      `storefront → payments:${catalog.services.find((s) => s.name === 'payments')!.port}/TCP`,
    ]);
  });
});
