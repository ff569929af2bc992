import type { Catalog, ServiceSpec } from '@mesh-kit/catalog';

/**
 * The share of the gateway's per-client rate each of verify's clients uses: verify's clock and the
 * gateway's token bucket do not tick together, and a port-forward can bunch requests.
 */
export const CLIENT_SHARE = 0.75;

/**
 * CPU one read through the mesh costs a pod, app and sidecar together, in ms: the services spend
 * 0.3–0.7 ms on a read on Node 24 (docs/benchmarks.md), the sidecar about as much again.
 */
export const CPU_MS_PER_READ = 1;

/** How far above the autoscaler's target the scale-up load aims, so the target is passed for sure. */
export const SCALE_UP_OVERSHOOT = 2;

/** The gateway's sustained rate for one client (token `sub` or API key), from the catalog's bucket. */
export function perClientRatePerSecond(source: Catalog): number {
  const { tokensPerFill, fillIntervalMs } = source.ingress.rateLimit.perClient;
  return (tokensPerFill * 1000) / fillIntervalMs;
}

/** The shortest gap between two requests of one of verify's clients. */
export function clientIntervalMs(source: Catalog): number {
  return Math.ceil(1000 / (perClientRatePerSecond(source) * CLIENT_SHARE));
}

/** A load spread over clients of their own, each under the gateway's per-client rate. */
export interface LoadPlan {
  readonly clients: number;
  readonly perClientPerSecond: number;
  readonly totalPerSecond: number;
}

/** As few clients as carry `totalPerSecond` with each at most at `CLIENT_SHARE` of its rate. */
export function planLoad(totalPerSecond: number, source: Catalog): LoadPlan {
  if (!(Number.isFinite(totalPerSecond) && totalPerSecond > 0)) {
    throw new Error(`a load needs a rate above 0 per second, got ${totalPerSecond}`);
  }
  const most = perClientRatePerSecond(source) * CLIENT_SHARE;
  const clients = Math.ceil(totalPerSecond / most);
  return { clients, perClientPerSecond: totalPerSecond / clients, totalPerSecond };
}

/** CPU millicores one pod of `spec` requests, app and sidecar (the base of the autoscaler's percent). */
export function podCpuRequestMilli(spec: ServiceSpec, source: Catalog): number {
  return spec.resources.cpuRequestMilli + (spec.sidecar ?? source.defaults.sidecar).cpuRequestMilli;
}

/**
 * The load that drives an autoscaled service past its CPU target at its minimum replicas:
 * `SCALE_UP_OVERSHOOT` × the millicores the target allows, at `CPU_MS_PER_READ` per read, spread
 * over enough clients that the gateway limits none of them.
 */
export function scaleUpPlan(spec: ServiceSpec, source: Catalog): LoadPlan {
  const scaling = spec.autoscaling;
  if (scaling === undefined) throw new Error(`${spec.name} declares no autoscaling`);
  const targetMilli = (scaling.minReplicas * podCpuRequestMilli(spec, source) * scaling.cpuTargetPercent) / 100;
  return planLoad(Math.ceil((SCALE_UP_OVERSHOOT * targetMilli) / CPU_MS_PER_READ), source);
}
