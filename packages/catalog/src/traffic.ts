/**
 * What the catalog says about versions, releases, fault scenarios and mirroring, and the traffic
 * state (`make canary`, `make chaos`, `make mirror`) the synth reads beside it. Catalog types only:
 * nothing here reads files (scripts/traffic.ts and src/main.ts do).
 */

/** A second version of a service, run as its own Deployment beside the first (label `version: v2`). */
export interface VersionSpec {
  /**
   * The image tag of this version.
   * @default the release's tag (same image, the difference is in `env`)
   */
  readonly imageTag?: string;
  /** Settings on top of the service's `env` (e.g. the field a v2 adds). @default none */
  readonly env?: Readonly<Record<string, string>>;
  /** @default 1 */
  readonly replicas?: number;
}

/** Where a service with a v2 stands: v1 only, both with a weighted split, or v2 only. */
export type Release =
  | { readonly stage: 'stable' }
  | { readonly stage: 'canary'; readonly weightPercent: number }
  | { readonly stage: 'promoted' };

/** How a scenario breaks something on purpose. */
export type FaultMechanism =
  /** Real failures: settings on the service's own containers (the payments failure knob), no image change. */
  | { readonly kind: 'env'; readonly service: string; readonly env: Readonly<Record<string, string>> }
  /**
   * One extra Deployment `<service>-faulty` (one replica, label `version: faulty`) beside the
   * healthy replicas, with `env` on top of the service's (the failure knob at 1): the Service, its
   * policies and the DestinationRule's outlier detection cover it like any replica.
   */
  | { readonly kind: 'faulty-replica'; readonly service: string; readonly env: Readonly<Record<string, string>> }
  /**
   * A VirtualService `fault` on every route of `service`, applied by its callers' sidecars. Istio
   * turns off retries and timeouts on the faulted route itself, so it belongs on a hop below the
   * policy under test.
   */
  | {
      readonly kind: 'fault';
      readonly service: string;
      readonly percent: number;
      readonly delayMs?: number;
      readonly abortStatus?: number;
    };

/** What the mesh should make of a scenario, checked by `make verify` under load. */
export type ScenarioOutcome =
  /** At least `minPercent` of `method path` at the gateway succeed (2xx). */
  | {
      readonly kind: 'success-rate';
      readonly method: 'GET' | 'POST';
      readonly path: string;
      readonly minPercent: number;
    }
  /** `path` answers 200 with `part` named in `missing`, within `withinMs`. */
  | { readonly kind: 'partial-answer'; readonly path: string; readonly part: string; readonly withinMs: number }
  /** `path` answers `status` (504) no later than `withinMs` (its route timeout) plus slack. */
  | { readonly kind: 'timeout'; readonly path: string; readonly status: number; readonly withinMs: number }
  /**
   * The faulty replica of the scenario's service is ejected by outlier detection: once each
   * caller's proxy has seen its `consecutive5xxErrors` and one `interval` has passed, it receives no
   * requests (for `baseEjectionTime`), and at least `minPercent` of `method path` succeed.
   */
  | {
      readonly kind: 'ejection';
      readonly method: 'GET' | 'POST';
      readonly path: string;
      readonly minPercent: number;
    };

export interface FaultScenario {
  readonly name: string;
  /** What it shows and why the mesh should cope, in a sentence (`make chaos` prints it). */
  readonly description: string;
  readonly mechanism: FaultMechanism;
  readonly outcome: ScenarioOutcome;
}

/** What `make canary/promote/rollback/chaos/mirror` set: read by the synth beside the catalog. */
export interface TrafficState {
  /** Per service with a `v2`. A service with a v2 and no entry here is `stable` (v1 only). */
  readonly releases: Readonly<Record<string, Release>>;
  /** Per service: the percentage of its requests copied to v2 (answers discarded). */
  readonly mirrors: Readonly<Record<string, { readonly percent: number }>>;
  /** The fault scenario switched on, if any. */
  readonly scenario?: string;
}

/** The request header that pins a request to v2 while a canary runs. */
export const CANARY_HEADER = { name: 'x-canary', value: 'always' } as const;

/** The version label of the catalog's first version and of a declared second one. */
export const V1 = 'v1';
export const V2 = 'v2';
/** The version label of a scenario's faulty replica (Kiali shows it as its own workload). */
export const FAULTY = 'faulty';

export const EMPTY_TRAFFIC: TrafficState = { releases: {}, mirrors: {} };
