/**
 * @models the NetworkPolicy API's semantics, as a network plugin must enforce them
 *
 * A model of how NetworkPolicies decide whether one pod may open a connection to another, each rule
 * read from the API's own definition in Kubernetes 1.35 (docs/testing.md, "Models and what they
 * imitate"):
 * - T: kubernetes/api networking/v1/types.go @ v0.35.0 (NetworkPolicySpec, …IngressRule, …EgressRule,
 *   NetworkPolicyPort, NetworkPolicyPeer)
 * - S: kubernetes/apimachinery pkg/apis/meta/v1/helpers.go (LabelSelectorAsSelector) and
 *   pkg/labels/selector.go (Requirement.Matches) @ v0.35.0
 *
 * Not modelled (the model throws where a policy would need them): ipBlock peers. Not modelled at all:
 * traffic from the pod's own node (T: always allowed, e.g. kubelet probes), hostNetwork pods, SCTP,
 * and what a particular network plugin enforces (kind's kindnetd, Calico, Cilium differ in when
 * they start enforcing); only a cluster shows that.
 */
import type { KubeObject } from './shop.js';

export interface Pod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Named container ports, as a NetworkPolicyPort may name them. */
  readonly namedPorts?: Readonly<Record<string, Port>>;
}
export interface Port {
  readonly port: number;
  readonly protocol: 'TCP' | 'UDP';
}
interface LabelSelector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}
interface Peer {
  namespaceSelector?: LabelSelector;
  podSelector?: LabelSelector;
  ipBlock?: unknown;
}
interface Rule {
  from?: Peer[];
  to?: Peer[];
  ports?: { port?: number | string; endPort?: number; protocol?: string }[];
}
interface PolicySpec {
  podSelector?: LabelSelector;
  policyTypes?: ('Ingress' | 'Egress')[];
  ingress?: Rule[];
  egress?: Rule[];
}

/** S: a present selector matches labels when every matchLabels entry and every expression holds; `{}` matches all. */
export function selects(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  const byLabels = Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v);
  return (
    byLabels &&
    (selector.matchExpressions ?? []).every((e) => {
      const has = Object.hasOwn(labels, e.key);
      switch (e.operator) {
        case 'In':
          return has && (e.values ?? []).includes(labels[e.key]!);
        case 'NotIn': // S: a pod without the key matches NotIn
          return !has || !(e.values ?? []).includes(labels[e.key]!);
        case 'Exists':
          return has;
        case 'DoesNotExist':
          return !has;
      }
      throw new Error(`model: unknown selector operator ${String(e.operator)}`);
    })
  );
}

/** The label every namespace carries with its own name (set by the API server). */
const namespaceLabels = (namespace: string): Record<string, string> => ({ 'kubernetes.io/metadata.name': namespace });

/**
 * T (NetworkPolicyPeer): namespaceSelector and podSelector in one peer select the pods matching both;
 * podSelector alone, pods of the policy's namespace; namespaceSelector alone, every pod of those
 * namespaces; an empty selector matches all.
 */
function peerMatches(peer: Peer, policyNamespace: string, pod: Pod): boolean {
  if (peer.ipBlock !== undefined) throw new Error('the model does not evaluate ipBlock peers');
  const inNamespace =
    peer.namespaceSelector === undefined
      ? pod.namespace === policyNamespace
      : selects(peer.namespaceSelector, namespaceLabels(pod.namespace));
  return inNamespace && (peer.podSelector === undefined || selects(peer.podSelector, pod.labels));
}

/**
 * T (NetworkPolicyPort): protocol defaults to TCP; no port matches every port; a named port is the
 * destination pod's container port of that name; endPort makes port..endPort a range.
 */
function portMatches(p: NonNullable<Rule['ports']>[number], destination: Pod, port: Port): boolean {
  if ((p.protocol ?? 'TCP') !== port.protocol) return false;
  if (p.port === undefined) return true;
  if (typeof p.port === 'string') {
    const named = destination.namedPorts?.[p.port];
    return named !== undefined && named.port === port.port && named.protocol === port.protocol;
  }
  return p.endPort === undefined ? p.port === port.port : p.port <= port.port && port.port <= p.endPort;
}

/** T: a rule needs both its ports and its peers; an empty or missing list matches all. */
function ruleMatches(
  rule: Rule,
  peers: Peer[] | undefined,
  namespace: string,
  other: Pod,
  dest: Pod,
  port: Port,
): boolean {
  const portOk =
    rule.ports === undefined || rule.ports.length === 0 || rule.ports.some((p) => portMatches(p, dest, port));
  const peerOk = peers === undefined || peers.length === 0 || peers.some((peer) => peerMatches(peer, namespace, other));
  return portOk && peerOk;
}

/** T (policyTypes): when absent, Ingress always, and Egress when the policy has an egress section. */
function policyTypes(spec: PolicySpec): ('Ingress' | 'Egress')[] {
  return spec.policyTypes ?? (spec.egress === undefined ? ['Ingress'] : ['Ingress', 'Egress']);
}

/** Whether the policies let `pod` send (Egress) to or receive (Ingress) from `other` on `port`. */
function permits(
  policies: readonly KubeObject[],
  direction: 'Ingress' | 'Egress',
  pod: Pod,
  other: Pod,
  port: Port,
): boolean {
  // T: a pod selected by no policy of this direction is not isolated in it; the rules of every
  // policy that selects it add up.
  const selecting = policies.filter((p) => {
    const spec = p.spec as unknown as PolicySpec;
    return (
      p.metadata.namespace === pod.namespace &&
      policyTypes(spec).includes(direction) &&
      selects(spec.podSelector ?? {}, pod.labels)
    );
  });
  if (selecting.length === 0) return true;
  const destination = direction === 'Ingress' ? pod : other;
  return selecting.some((p) => {
    const spec = p.spec as unknown as PolicySpec;
    const rules = (direction === 'Ingress' ? spec.ingress : spec.egress) ?? [];
    return rules.some((rule) =>
      ruleMatches(rule, direction === 'Ingress' ? rule.from : rule.to, p.metadata.namespace!, other, destination, port),
    );
  });
}

/** T: a connection passes when the sender's egress and the receiver's ingress both allow it. */
export const allowed = (policies: readonly KubeObject[], from: Pod, to: Pod, port: Port): boolean =>
  permits(policies, 'Egress', from, to, port) && permits(policies, 'Ingress', to, from, port);

/** The pods of the namespace's workloads, with the labels and named ports their templates give them. */
export function workloadPods(objects: readonly KubeObject[], namespace: string): Pod[] {
  return objects
    .filter((o) => ['Deployment', 'StatefulSet', 'Job'].includes(o.kind))
    .map((o) => {
      const template = (
        o.spec as {
          template: {
            metadata: { labels: Record<string, string> };
            spec: { containers: { ports?: { name?: string; containerPort: number; protocol?: 'TCP' | 'UDP' }[] }[] };
          };
        }
      ).template;
      const namedPorts = Object.fromEntries(
        template.spec.containers
          .flatMap((c) => c.ports ?? [])
          .filter((p) => p.name !== undefined)
          .map((p) => [p.name!, { port: p.containerPort, protocol: p.protocol ?? 'TCP' }]),
      );
      return { name: template.metadata.labels.app!, namespace, labels: template.metadata.labels, namedPorts };
    });
}
