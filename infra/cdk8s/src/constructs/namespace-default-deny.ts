import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
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
    new ApiObject(this, 'network-policy', {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata: { name: props.name ?? 'default-deny', namespace: props.namespace, labels: { ...PART_OF } },
      spec: { podSelector: {}, policyTypes: ['Ingress', 'Egress'] },
    });
  }
}
