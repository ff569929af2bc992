import { Construct } from 'constructs';
import { KubeNamespace } from '../../imports/k8s.js';
import { ANNOTATION, PART_OF } from '../mesh-names.js';

export interface ShopNamespaceProps {
  readonly name: string;
  /** Worst-case attempts reaching the deepest service that analyze accepts. */
  readonly maxRetryAmplification: number;
  /** The namespace's request budget including sidecars, checked by analyze. */
  readonly requestBudget: { readonly cpuMilli: number; readonly memoryMi: number };
  /**
   * The Pod Security Standard the namespace enforces.
   * @default 'restricted'
   */
  readonly podSecurity?: 'restricted' | 'baseline';
}

/** The app namespace: sidecar injection on, Pod Security Standard `restricted` enforced. */
export class ShopNamespace extends Construct {
  constructor(scope: Construct, id: string, props: ShopNamespaceProps) {
    super(scope, id);
    const level = props.podSecurity ?? 'restricted';
    new KubeNamespace(this, 'namespace', {
      metadata: {
        name: props.name,
        labels: {
          ...PART_OF,
          'istio-injection': 'enabled',
          'pod-security.kubernetes.io/enforce': level,
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': level,
          'pod-security.kubernetes.io/audit': level,
        },
        annotations: {
          [ANNOTATION.maxRetryAmplification]: String(props.maxRetryAmplification),
          [ANNOTATION.requestBudget]: JSON.stringify(props.requestBudget),
        },
      },
    });
  }
}
