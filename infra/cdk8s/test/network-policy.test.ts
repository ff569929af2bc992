/**
 * The synthesized NetworkPolicies, evaluated the way the API defines them (a pod selected by a
 * policy of a type is isolated for that direction; traffic passes when the sender's egress and the
 * receiver's ingress both allow it), against what the catalog declares: for every pair of pods and
 * every port that matters, a connection is allowed if and only if the catalog declares it.
 */
import { describe, expect, it } from 'vitest';
import { type Catalog, catalog, usesBroker } from '../src/catalog.js';
import { ofKind, synthObjects, type KubeObject } from './support/shop.js';

interface Pod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}
interface Port {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}
interface Peer {
  namespaceSelector?: { matchLabels?: Record<string, string> };
  podSelector?: { matchLabels?: Record<string, string> };
  ipBlock?: unknown;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port?: number; protocol?: string }[];
}
interface PolicySpec {
  podSelector: { matchLabels?: Record<string, string>; matchExpressions?: unknown[] };
  policyTypes: ('Ingress' | 'Egress')[];
  ingress?: Rule[];
  egress?: Rule[];
}

const matches = (selector: Record<string, string> | undefined, labels: Readonly<Record<string, string>>): boolean =>
  Object.entries(selector ?? {}).every(([k, v]) => labels[k] === v);

const namespaceLabels = (namespace: string): Record<string, string> => ({ 'kubernetes.io/metadata.name': namespace });

function peerMatches(peer: Peer, policyNamespace: string, pod: Pod): boolean {
  if (peer.ipBlock !== undefined) throw new Error('the model does not evaluate ipBlock peers');
  const inNamespace =
    peer.namespaceSelector === undefined
      ? pod.namespace === policyNamespace
      : matches(peer.namespaceSelector.matchLabels, namespaceLabels(pod.namespace));
  return inNamespace && (peer.podSelector === undefined || matches(peer.podSelector.matchLabels, pod.labels));
}

function ruleMatches(rule: Rule, peers: Peer[] | undefined, policyNamespace: string, other: Pod, port: Port): boolean {
  const portOk =
    rule.ports === undefined ||
    rule.ports.some((p) => (p.protocol ?? 'TCP') === port.protocol && (p.port === undefined || p.port === port.port));
  const peerOk = peers === undefined || peers.some((peer) => peerMatches(peer, policyNamespace, other));
  return portOk && peerOk;
}

/** Whether the policies let `pod` send (Egress) to or receive (Ingress) from `other` on `port`. */
function permits(
  policies: readonly KubeObject[],
  direction: 'Ingress' | 'Egress',
  pod: Pod,
  other: Pod,
  port: Port,
): boolean {
  const selecting = policies.filter((p) => {
    const spec = p.spec as unknown as PolicySpec;
    if (spec.podSelector.matchExpressions !== undefined)
      throw new Error('the model does not evaluate matchExpressions');
    return (
      p.metadata.namespace === pod.namespace &&
      spec.policyTypes.includes(direction) &&
      matches(spec.podSelector.matchLabels, pod.labels)
    );
  });
  if (selecting.length === 0) return true;
  return selecting.some((p) => {
    const spec = p.spec as unknown as PolicySpec;
    const rules = (direction === 'Ingress' ? spec.ingress : spec.egress) ?? [];
    return rules.some((rule) =>
      ruleMatches(rule, direction === 'Ingress' ? rule.from : rule.to, p.metadata.namespace!, other, port),
    );
  });
}

const allowed = (policies: readonly KubeObject[], from: Pod, to: Pod, port: Port): boolean =>
  permits(policies, 'Egress', from, to, port) && permits(policies, 'Ingress', to, from, port);

/** The pods of the namespace, with the labels their templates really give them. */
function shopPods(objects: readonly KubeObject[], namespace: string): Pod[] {
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))
    .map((o) => {
      const labels = (o.spec as { template: { metadata: { labels: Record<string, string> } } }).template.metadata
        .labels;
      return { name: labels.app!, namespace, labels };
    });
}

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
  const workloads = [...source.services.map((s) => s.name), 'postgres', 'nats', 'postgres-init'];
  for (const spec of source.services) {
    for (const call of spec.calls)
      add(spec.name, call.service, source.services.find((s) => s.name === call.service)!.port);
    if (spec.gateway.length > 0) add('ingress-gateway', spec.name, spec.port);
    if (spec.database !== undefined) add(spec.name, 'postgres', source.postgres.port);
    if (usesBroker(spec)) add(spec.name, 'nats', source.nats.port);
    if (spec.callsGateway === true) add(spec.name, 'ingress-gateway', 8080);
  }
  add('postgres-init', 'postgres', source.postgres.port);
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
