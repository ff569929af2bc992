import { Construct } from 'constructs';
import { KubeNetworkPolicy } from '../../imports/k8s.js';
import { PART_OF } from '../mesh-names.js';

export interface NamespaceDefaultDenyProps {
  readonly namespace: string;
  /**
   * The policy's name.
   * @default 'default-deny'
   */
  readonly name?: string;
}

/**
 * A NetworkPolicy selecting every pod of the namespace with no rules: nothing in or out unless a
 * workload's own policy allows it (Law 4, the layer 3/4 line behind the mesh's authorization).
 */
export class NamespaceDefaultDeny extends Construct {
  constructor(scope: Construct, id: string, props: NamespaceDefaultDenyProps) {
    super(scope, id);
    new KubeNetworkPolicy(this, 'network-policy', {
      metadata: { name: props.name ?? 'default-deny', namespace: props.namespace, labels: { ...PART_OF } },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  }
}
