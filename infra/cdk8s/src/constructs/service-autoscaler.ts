import { Construct } from 'constructs';
import { KubeHorizontalPodAutoscalerV2 } from '../../imports/k8s.js';
import { PART_OF } from '../mesh-names.js';

export interface ServiceAutoscalerProps {
  /** The Deployment it scales; also the HorizontalPodAutoscaler's name. */
  readonly deploymentName: string;
  readonly namespace: string;
  /** Labels on the HorizontalPodAutoscaler (`app`, `version`). */
  readonly labels: Readonly<Record<string, string>>;
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Average CPU use, in percent of the pods' requests (app and sidecar), that the autoscaler keeps. */
  readonly cpuTargetPercent: number;
}

/**
 * A HorizontalPodAutoscaler (autoscaling/v2) on CPU for one Deployment. CPU utilization is measured
 * against requests, which every container of the kit's pods declares (the sidecar's through its
 * annotations), so the figure is defined.
 */
export class ServiceAutoscaler extends Construct {
  constructor(scope: Construct, id: string, props: ServiceAutoscalerProps) {
    super(scope, id);
    const { minReplicas, maxReplicas, cpuTargetPercent } = props;
    if (!(
      Number.isInteger(minReplicas) &&
      minReplicas >= 1 &&
      Number.isInteger(maxReplicas) &&
      maxReplicas >= minReplicas
    )) {
      throw new Error(
        `${props.deploymentName}: autoscaling needs whole numbers 1 ≤ minReplicas ≤ maxReplicas, got ${minReplicas}..${maxReplicas}`,
      );
    }
    if (!(Number.isInteger(cpuTargetPercent) && cpuTargetPercent >= 1 && cpuTargetPercent <= 100)) {
      throw new Error(
        `${props.deploymentName}: cpuTargetPercent must be a whole number from 1 to 100, got ${cpuTargetPercent}`,
      );
    }
    new KubeHorizontalPodAutoscalerV2(this, 'hpa', {
      metadata: { name: props.deploymentName, namespace: props.namespace, labels: { ...PART_OF, ...props.labels } },
      spec: {
        scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: props.deploymentName },
        minReplicas,
        maxReplicas,
        metrics: [
          {
            type: 'Resource',
            resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: cpuTargetPercent } },
          },
        ],
      },
    });
  }
}
