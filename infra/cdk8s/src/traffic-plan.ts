import type { Catalog, ServiceSpec } from '@mesh-kit/catalog';
import {
  CANARY_HEADER,
  EMPTY_TRAFFIC,
  FAULTY,
  type FaultScenario,
  type Release,
  type TrafficState,
  V2,
} from '@mesh-kit/catalog/traffic';

/** One Deployment of a service: its version label, name, replicas and the env on top of the service's. */
export interface DeployedVersion {
  readonly version: string;
  /** `<service>` for the catalog's version, `<service>-<version>` for a second one. */
  readonly deploymentName: string;
  readonly replicas: number;
  /**
   * The version that carries the service's traffic: v1, or v2 once promoted. It keeps the
   * catalog's replicas and autoscaler floor; a canary or faulty version starts from its own.
   */
  readonly primary: boolean;
  /** @default the release's image tag */
  readonly imageTag?: string;
  readonly env: Readonly<Record<string, string>>;
}

/** An Istio fault on a service's routes. */
export interface RouteFault {
  readonly percent: number;
  readonly delayMs?: number;
  readonly abortStatus?: number;
}

/** How the mesh sends traffic to one service, from the catalog and the traffic state. */
export interface ServiceRouting {
  /** The Deployments to run (never empty). */
  readonly deployed: readonly DeployedVersion[];
  /** Present only for a service with a `v2`: subsets are named after the deployed versions. */
  readonly release?: Release;
  readonly v1: string;
  /** Percentage of requests copied to v2 (only during a canary). */
  readonly mirrorPercent?: number;
  readonly fault?: RouteFault;
}

export const trafficOf = (catalog: Catalog): TrafficState => catalog.traffic ?? EMPTY_TRAFFIC;

/** The scenario switched on, if any. */
export function activeScenario(catalog: Catalog): FaultScenario | undefined {
  const name = trafficOf(catalog).scenario;
  return name === undefined ? undefined : catalog.scenarios?.find((s) => s.name === name);
}

/** Where a service with a v2 stands; `stable` when the state names none. */
export function releaseOf(catalog: Catalog, spec: ServiceSpec): Release | undefined {
  if (spec.v2 === undefined) return undefined;
  return trafficOf(catalog).releases[spec.name] ?? { stage: 'stable' };
}

/** The service's `env` with the active scenario's settings for it on top (the failure knob). */
export function scenarioEnv(catalog: Catalog, spec: ServiceSpec): Readonly<Record<string, string>> {
  const scenario = activeScenario(catalog);
  const env = { ...spec.env };
  if (scenario?.mechanism.kind === 'env' && scenario.mechanism.service === spec.name) {
    Object.assign(env, scenario.mechanism.env);
  }
  return env;
}

export function routingOf(catalog: Catalog, spec: ServiceSpec): ServiceRouting {
  const v1 = catalog.version;
  const release = releaseOf(catalog, spec);
  const first: DeployedVersion = {
    version: v1,
    deploymentName: spec.name,
    replicas: spec.replicas,
    primary: true,
    env: {},
  };
  const deployed: DeployedVersion[] = [];
  if (release?.stage !== 'promoted') deployed.push(first);
  if (spec.v2 !== undefined && release !== undefined && release.stage !== 'stable') {
    const promoted = release.stage === 'promoted';
    deployed.push({
      version: V2,
      deploymentName: `${spec.name}-${V2}`,
      // Promoted, v2 takes v1's place, and its replicas (v1's go only once v2's are ready).
      replicas: promoted ? spec.replicas : (spec.v2.replicas ?? 1),
      primary: promoted,
      ...(spec.v2.imageTag === undefined ? {} : { imageTag: spec.v2.imageTag }),
      env: spec.v2.env ?? {},
    });
  }
  const mechanism = activeScenario(catalog)?.mechanism;
  if (mechanism?.kind === 'faulty-replica' && mechanism.service === spec.name) {
    deployed.push({
      version: FAULTY,
      deploymentName: `${spec.name}-${FAULTY}`,
      replicas: 1,
      primary: false,
      env: mechanism.env,
    });
  }
  const mirror = trafficOf(catalog).mirrors[spec.name];
  return {
    deployed,
    v1,
    ...(release === undefined ? {} : { release }),
    ...(mirror === undefined || release?.stage !== 'canary' ? {} : { mirrorPercent: mirror.percent }),
    ...(mechanism?.kind === 'fault' && mechanism.service === spec.name
      ? {
          fault: {
            percent: mechanism.percent,
            ...(mechanism.delayMs === undefined ? {} : { delayMs: mechanism.delayMs }),
            ...(mechanism.abortStatus === undefined ? {} : { abortStatus: mechanism.abortStatus }),
          },
        }
      : {}),
  };
}

/** The part of an Istio HTTP route this module fills in; the rest (policy, rewrite) comes from the caller. */
interface HttpRouteBase {
  readonly name: string;
  readonly match: readonly Record<string, unknown>[];
  readonly [field: string]: unknown;
}

interface Destination {
  readonly destination: { host: string; port: { number: number }; subset?: string };
  readonly weight?: number;
}

const destination = (host: string, port: number, subset?: string, weight?: number): Destination => ({
  destination: { host, port: { number: port }, ...(subset === undefined ? {} : { subset }) },
  ...(weight === undefined ? {} : { weight }),
});

/**
 * The HTTP routes for one base route to a service: without a v2, one route to the host; `stable`
 * and `promoted` send everything to one subset; a canary puts a route matching `x-canary: always`
 * → v2 first, then the weighted split (v1 first) carrying the mirror. Every entry keeps the base's
 * fields (timeout, retries), and the fault when given.
 */
export function versionedRoutes<T extends HttpRouteBase>(
  base: T,
  host: string,
  port: number,
  routing: ServiceRouting,
  fault?: RouteFault,
): (T & { route: Destination[] })[] {
  const faultField = fault === undefined ? {} : { fault: istioFault(fault) };
  const release = routing.release;
  if (release === undefined) return [{ ...base, ...faultField, route: [destination(host, port)] }];
  if (release.stage !== 'canary') {
    const only = release.stage === 'promoted' ? V2 : routing.v1;
    return [{ ...base, ...faultField, route: [destination(host, port, only)] }];
  }
  const pinned = {
    ...base,
    name: `${base.name}-canary`,
    match: base.match.map((m) => ({
      ...m,
      headers: {
        ...(m.headers as Record<string, unknown> | undefined),
        [CANARY_HEADER.name]: { exact: CANARY_HEADER.value },
      },
    })),
    ...faultField,
    route: [destination(host, port, V2)],
  };
  const split = {
    ...base,
    ...faultField,
    route: [
      destination(host, port, routing.v1, 100 - release.weightPercent),
      destination(host, port, V2, release.weightPercent),
    ],
    ...(routing.mirrorPercent === undefined
      ? {}
      : { mirror: { host, port: { number: port }, subset: V2 }, mirrorPercentage: { value: routing.mirrorPercent } }),
  };
  return [pinned, split];
}

/** Istio's `fault` field: percentages as `{ value }`, durations in seconds. */
export function istioFault(fault: RouteFault): Record<string, unknown> {
  return {
    ...(fault.delayMs === undefined
      ? {}
      : { delay: { fixedDelay: `${fault.delayMs / 1000}s`, percentage: { value: fault.percent } } }),
    ...(fault.abortStatus === undefined
      ? {}
      : { abort: { httpStatus: fault.abortStatus, percentage: { value: fault.percent } } }),
  };
}
