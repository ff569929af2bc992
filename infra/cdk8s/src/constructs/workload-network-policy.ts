import { Construct } from 'constructs';
import { IntOrString, KubeNetworkPolicy, type NetworkPolicyPeer, type NetworkPolicyPort } from '../../imports/k8s.js';
import type { NetworkPeer, NetworkRule, WorkloadAllowance } from '../network-allowances.js';
import { PART_OF } from '../mesh-names.js';

export interface WorkloadNetworkPolicyProps {
  readonly namespace: string;
  /** What the workload may receive and send (network-allowances.ts derives it from the catalog). */
  readonly allowance: WorkloadAllowance;
}

/** The label every namespace carries with its own name (set by the API server). */
const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

const peer = (p: NetworkPeer): NetworkPolicyPeer => ({
  ...(p.namespace === undefined ? {} : { namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: p.namespace } } }),
  podSelector: { matchLabels: { ...p.podLabels } },
});

const ports = (rule: NetworkRule): NetworkPolicyPort[] =>
  rule.ports.map((p) => ({ protocol: p.protocol, port: IntOrString.fromNumber(p.port) }));

/** One workload's NetworkPolicy: exactly the ingress and egress its allowance lists. */
export class WorkloadNetworkPolicy extends Construct {
  constructor(scope: Construct, id: string, props: WorkloadNetworkPolicyProps) {
    super(scope, id);
    const { allowance } = props;
    new KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name: allowance.name, namespace: props.namespace, labels: { ...PART_OF, app: allowance.name } },
      spec: {
        podSelector: { matchLabels: { ...allowance.selector } },
        policyTypes: ['Ingress', 'Egress'],
        ingress: allowance.ingress.map((rule) => ({ from: rule.peers.map(peer), ports: ports(rule) })),
        egress: allowance.egress.map((rule) => ({ to: rule.peers.map(peer), ports: ports(rule) })),
      },
    });
  }
}
