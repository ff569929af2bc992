import type { ManifestObject, Totals } from './model.js';
import { cpuMilli, memoryMi } from './quantities.js';

/** Istio's default sidecar requests when a pod sets no annotation. */
const DEFAULT_SIDECAR = { cpu: '100m', memory: '128Mi' };

/** The HorizontalPodAutoscaler bounds per Deployment name in the namespace. */
function autoscalerBounds(
  objects: readonly ManifestObject[],
  namespace: string | undefined,
): Map<string, { min: number; max: number }> {
  const bounds = new Map<string, { min: number; max: number }>();
  for (const o of objects.filter(
    (x) => x.kind === 'HorizontalPodAutoscaler' && (namespace === undefined || x.metadata.namespace === namespace),
  )) {
    const spec = o.spec as {
      scaleTargetRef: { kind: string; name: string };
      minReplicas?: number;
      maxReplicas: number;
    };
    if (spec.scaleTargetRef.kind === 'Deployment') {
      bounds.set(spec.scaleTargetRef.name, { min: spec.minReplicas ?? 1, max: spec.maxReplicas });
    }
  }
  return bounds;
}

/** Requests of the namespace, sidecars included, with every autoscaled Deployment at its minimum or its maximum. */
export function namespaceTotals(
  objects: readonly ManifestObject[],
  namespace: string | undefined,
  at: 'min' | 'max',
): Totals {
  const bounds = autoscalerBounds(objects, namespace);
  let cpu = 0;
  let memory = 0;
  let sidecarCpu = 0;
  let sidecarMemory = 0;
  let pods = 0;
  for (const o of objects.filter(
    (x) =>
      (x.kind === 'Deployment' || x.kind === 'StatefulSet') &&
      (namespace === undefined || x.metadata.namespace === namespace),
  )) {
    const spec = o.spec as {
      replicas?: number;
      template: {
        metadata?: { annotations?: Record<string, string> };
        spec: { containers: { resources?: { requests?: { cpu?: string; memory?: string } } }[] };
      };
    };
    const scaled = o.kind === 'Deployment' ? bounds.get(o.metadata.name) : undefined;
    const replicas = scaled === undefined ? (spec.replicas ?? 1) : scaled[at];
    const annotations = spec.template.metadata?.annotations ?? {};
    pods += replicas;
    for (const c of spec.template.spec.containers) {
      cpu += replicas * cpuMilli(c.resources?.requests?.cpu ?? 0);
      memory += replicas * memoryMi(c.resources?.requests?.memory ?? 0);
    }
    sidecarCpu += replicas * cpuMilli(annotations['sidecar.istio.io/proxyCPU'] ?? DEFAULT_SIDECAR.cpu);
    sidecarMemory += replicas * memoryMi(annotations['sidecar.istio.io/proxyMemory'] ?? DEFAULT_SIDECAR.memory);
  }
  return {
    cpuMilli: cpu + sidecarCpu,
    memoryMi: memory + sidecarMemory,
    sidecarCpuMilli: sidecarCpu,
    sidecarMemoryMi: sidecarMemory,
    pods,
  };
}
