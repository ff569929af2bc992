/** What `npm run analyze` reads the synthesized objects into, and what every rule checks. */
import { ANNOTATION } from '../mesh-names.js';

export interface ManifestObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly annotations?: Readonly<Record<string, string>>;
  };
  readonly spec?: unknown;
}

/** The policy a caller's proxy applies on one hop. */
export interface HopPolicy {
  readonly timeoutMs: number | undefined;
  /** Retries after the first try (Istio's `attempts`). */
  readonly attempts: number;
  readonly perTryTimeoutMs: number | undefined;
  readonly retryOn: readonly string[];
}

export interface RouteNode {
  /** `METHOD service path`; the service is `gateway` for public routes. */
  readonly key: string;
  readonly service: string;
  readonly idempotent: boolean;
  readonly calls: readonly string[];
  /** How the route makes its calls; sequential (the sum) where the annotation does not say. */
  readonly callOrder: 'sequential' | 'parallel';
  /** Share of the callees' worst case a try keeps for the route's own work, in percent. */
  readonly ownWorkMarginPercent: number;
  readonly policy: HopPolicy;
}

export interface CallPath {
  readonly hops: readonly RouteNode[];
  /** Worst-case attempts reaching the deepest service: the product of tries per hop. */
  readonly amplification: number;
}

export interface Totals {
  readonly cpuMilli: number;
  readonly memoryMi: number;
  readonly sidecarCpuMilli: number;
  readonly sidecarMemoryMi: number;
  readonly pods: number;
}

/** Everything a rule may look at. */
export interface AnalysisModel {
  readonly objects: readonly ManifestObject[];
  /** The annotated routes of every VirtualService that has an http route for them. */
  readonly routes: readonly RouteNode[];
  readonly byKey: ReadonlyMap<string, RouteNode>;
  readonly paths: readonly CallPath[];
  readonly destinationRules: readonly ManifestObject[];
  /** The namespace that carries the catalog's bounds; undefined when none does. */
  readonly namespace: string | undefined;
  readonly maxAmplification: number | undefined;
  readonly budget: { readonly cpuMilli: number; readonly memoryMi: number } | undefined;
  /** With every autoscaled Deployment at its minimum: what the budget holds. */
  readonly totals: Totals;
  /** With every autoscaled Deployment at its maximum: reported, not held to the budget. */
  readonly totalsAtMax: Totals;
}

/** One named check of `npm run analyze`: each finding names the object it is about. */
export interface Rule {
  readonly name: string;
  readonly summary: string;
  check(model: AnalysisModel): string[];
}

/** Tries of a hop: the first plus Istio's `attempts` (which counts retries). */
export const tries = (p: HopPolicy): number => 1 + p.attempts;
/** What one try may take at most: the per-try timeout, else the whole route timeout. */
export const tryBudget = (p: HopPolicy): number | undefined => p.perTryTimeoutMs ?? p.timeoutMs;

export interface VsRoute {
  name?: string;
  route?: unknown[];
  directResponse?: unknown;
  redirect?: unknown;
  timeout?: string;
  retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string };
}

/** One entry of a VirtualService's routes annotation. */
export interface RouteAnnotation {
  name: string;
  method: string;
  path: string;
  idempotent: boolean;
  calls: string[];
  callOrder?: 'sequential' | 'parallel';
  ownWorkMarginPercent?: number;
}

export interface AnnotatedVirtualService {
  readonly vs: ManifestObject;
  /** `gateway` for a gateway's VirtualService, else the service's name. */
  readonly service: string;
  readonly http: readonly VsRoute[];
  readonly annotated: readonly RouteAnnotation[];
}

/** The VirtualServices that carry the routes annotation, with it parsed. */
export function annotatedVirtualServices(objects: readonly ManifestObject[]): AnnotatedVirtualService[] {
  return objects.flatMap((vs) => {
    const raw = vs.metadata.annotations?.[ANNOTATION.routes];
    if (vs.kind !== 'VirtualService' || raw === undefined) return [];
    const spec = vs.spec as { gateways?: string[]; http?: VsRoute[] };
    const service = spec.gateways === undefined ? vs.metadata.name : 'gateway';
    return [{ vs, service, http: spec.http ?? [], annotated: JSON.parse(raw) as RouteAnnotation[] }];
  });
}

/** A direct response or a redirect is answered by the proxy itself: no upstream, so no timeout or retries apply. */
export const answersAtProxy = (r: VsRoute): boolean => r.directResponse !== undefined || r.redirect !== undefined;

/** Every cycle of a directed graph, as `a → b → a`, in a stable order. */
export function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
  const cycles = new Set<string>();
  const visit = (node: string, stack: string[]): void => {
    const at = stack.indexOf(node);
    if (at >= 0) {
      cycles.add([...stack.slice(at), node].join(' → '));
      return;
    }
    for (const next of [...(edges.get(node) ?? [])].sort()) visit(next, [...stack, node]);
  };
  for (const node of [...edges.keys()].sort()) visit(node, []);
  return [...cycles];
}
