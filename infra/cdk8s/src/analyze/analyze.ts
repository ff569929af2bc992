/**
 * The resilience analysis behind `npm run analyze`, over synthesized objects: every call path from
 * the gateway down with its effective timeouts, attempts and retry amplification, the namespace's
 * requests including sidecars, and the findings that fail the build.
 */
import { ANNOTATION } from '../mesh-names.js';
import { cpuMilli, durationMs, memoryMi } from './quantities.js';
import { destinationRuleRules, routeRules, tries } from './rules.js';

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

export interface Analysis {
  readonly paths: readonly CallPath[];
  readonly routes: readonly RouteNode[];
  /** With every autoscaled Deployment at its minimum: what the budget holds. */
  readonly totals: Totals;
  /** With every autoscaled Deployment at its maximum: reported, not held to the budget. */
  readonly totalsAtMax: Totals;
  readonly budget: { readonly cpuMilli: number; readonly memoryMi: number } | undefined;
  readonly maxAmplification: number | undefined;
  readonly findings: readonly string[];
}

/** Retry conditions that only fire when the request never reached the app (law 3). */
const SAFE_RETRY_ON = new Set(['connect-failure', 'refused-stream']);
/** The own-work margin of a route whose annotation names none (the catalog's default). */
export const DEFAULT_OWN_WORK_MARGIN_PERCENT = 20;
/** Istio's default sidecar requests when a pod sets no annotation. */
const DEFAULT_SIDECAR = { cpu: '100m', memory: '128Mi' };

export { tries } from './rules.js';

interface VsRoute {
  name?: string;
  route?: unknown[];
  directResponse?: unknown;
  redirect?: unknown;
  timeout?: string;
  retries?: { attempts?: number; perTryTimeout?: string; retryOn?: string };
}

/** A direct response or a redirect is answered by the proxy itself: no upstream, so no timeout or retries apply. */
const answersAtProxy = (r: VsRoute): boolean => r.directResponse !== undefined || r.redirect !== undefined;

/** Routes of an annotated VirtualService that the annotation does not cover, or covers wrongly. */
function unannotatedRoutes(vs: ManifestObject, http: readonly VsRoute[], annotated: ReadonlySet<string>): string[] {
  const findings: string[] = [];
  for (const [i, r] of http.entries()) {
    const label = `VirtualService ${vs.metadata.name}: route ${r.name ?? `#${i}`}`;
    if (answersAtProxy(r)) {
      if (r.name !== undefined && annotated.has(r.name)) findings.push(`${label} answers at the proxy, not a service`);
      if (r.timeout !== undefined || r.retries !== undefined) {
        findings.push(`${label} answers at the proxy; its timeout and retries never apply`);
      }
    } else if (r.name === undefined || !annotated.has(r.name)) {
      findings.push(`${label} forwards but is not declared in ${ANNOTATION.routes}, so no check covers it`);
    }
  }
  return findings;
}

function routeNodes(objects: readonly ManifestObject[], findings: string[]): RouteNode[] {
  const nodes: RouteNode[] = [];
  for (const vs of objects.filter((o) => o.kind === 'VirtualService')) {
    const raw = vs.metadata.annotations?.[ANNOTATION.routes];
    if (raw === undefined) continue;
    const spec = vs.spec as { gateways?: string[]; http?: VsRoute[] };
    const service = spec.gateways === undefined ? vs.metadata.name : 'gateway';
    const meta = JSON.parse(raw) as {
      name: string;
      method: string;
      path: string;
      idempotent: boolean;
      calls: string[];
      callOrder?: 'sequential' | 'parallel';
      ownWorkMarginPercent?: number;
    }[];
    findings.push(...unannotatedRoutes(vs, spec.http ?? [], new Set(meta.map((m) => m.name))));
    for (const m of meta) {
      const route = (spec.http ?? []).find((r) => r.name === m.name);
      if (route === undefined) {
        findings.push(`VirtualService ${vs.metadata.name}: annotated route ${m.name} has no http route`);
        continue;
      }
      nodes.push({
        key: `${m.method} ${service} ${m.path}`,
        service,
        idempotent: m.idempotent,
        calls: m.calls,
        callOrder: m.callOrder ?? 'sequential',
        ownWorkMarginPercent: m.ownWorkMarginPercent ?? DEFAULT_OWN_WORK_MARGIN_PERCENT,
        policy: {
          timeoutMs: route.timeout === undefined ? undefined : durationMs(route.timeout),
          attempts: route.retries?.attempts ?? 2,
          perTryTimeoutMs:
            route.retries?.perTryTimeout === undefined ? undefined : durationMs(route.retries.perTryTimeout),
          retryOn: (
            route.retries?.retryOn ??
            (route.retries === undefined
              ? 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes'
              : '')
          )
            .split(',')
            .filter((s) => s !== ''),
        },
      });
    }
  }
  return nodes;
}

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

/** Requests of the namespace with every autoscaled Deployment at its minimum (`min`) or its maximum. */
function namespaceTotals(
  objects: readonly ManifestObject[],
  namespace: string | undefined,
  at: 'min' | 'max' = 'min',
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

function serviceCycles(objects: readonly ManifestObject[], namespace: string | undefined): string[] {
  const edges = new Map<string, Set<string>>();
  for (const p of objects.filter((o) => o.kind === 'AuthorizationPolicy' && o.metadata.namespace === namespace)) {
    const spec = p.spec as {
      selector?: { matchLabels?: Record<string, string> };
      rules?: { from?: { source?: { principals?: string[] } }[] }[];
    };
    const target = spec.selector?.matchLabels?.app;
    if (target === undefined) continue;
    for (const principal of (spec.rules ?? []).flatMap((r) =>
      (r.from ?? []).flatMap((f) => f.source?.principals ?? []),
    )) {
      const match = new RegExp(`^cluster\\.local/ns/${namespace ?? '[^/]+'}/sa/(.+)$`).exec(principal);
      if (match === null) continue;
      const set = edges.get(match[1]!) ?? new Set<string>();
      set.add(target);
      edges.set(match[1]!, set);
    }
  }
  return findCycles(edges);
}

function findCycles(edges: ReadonlyMap<string, ReadonlySet<string>>): string[] {
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

export function analyze(objects: readonly ManifestObject[]): Analysis {
  const findings: string[] = [];
  const ns = objects.find(
    (o) => o.kind === 'Namespace' && o.metadata.annotations?.[ANNOTATION.maxRetryAmplification] !== undefined,
  );
  const maxAmplification =
    ns === undefined ? undefined : Number(ns.metadata.annotations![ANNOTATION.maxRetryAmplification]);
  const budgetText = ns?.metadata.annotations?.[ANNOTATION.requestBudget];
  const budget =
    budgetText === undefined ? undefined : (JSON.parse(budgetText) as { cpuMilli: number; memoryMi: number });
  const namespace = ns?.metadata.name;

  const routes = routeNodes(objects, findings);
  const byKey = new Map(routes.map((r) => [r.key, r]));

  for (const r of routes) {
    const p = r.policy;
    if (p.timeoutMs === undefined) findings.push(`route ${r.key}: no timeout`);
    const unsafe = p.retryOn.filter((c) => !SAFE_RETRY_ON.has(c));
    if (!r.idempotent && p.attempts > 0 && unsafe.length > 0) {
      findings.push(`route ${r.key}: retries on ${unsafe.join(',')} but is not idempotent`);
    }
    if (r.service === 'gateway') continue; // a gateway route's target is checked as a route of its own
    for (const calleeKey of r.calls.filter((k) => !byKey.has(k))) {
      findings.push(`route ${r.key}: calls ${calleeKey}, which no VirtualService declares`);
    }
  }
  for (const rule of routeRules) findings.push(...rule.check(routes, byKey));

  const routeEdges = new Map(routes.map((r) => [r.key, new Set(r.calls)]));
  for (const cycle of findCycles(routeEdges)) findings.push(`call graph cycle: ${cycle}`);
  for (const cycle of serviceCycles(objects, namespace)) findings.push(`service call graph cycle: ${cycle}`);

  const paths: CallPath[] = [];
  const walk = (hops: RouteNode[], amplification: number): void => {
    const last = hops[hops.length - 1]!;
    const next = last.calls
      .map((k) => byKey.get(k))
      .filter((n): n is RouteNode => n !== undefined && !hops.includes(n));
    if (next.length === 0 || hops.length > 16) {
      paths.push({ hops, amplification });
      return;
    }
    for (const n of next) {
      // Gateway routes already carry the target's policy; the target hop adds no tries of its own.
      const factor = last.service === 'gateway' && hops.length === 1 ? 1 : tries(n.policy);
      walk([...hops, n], amplification * factor);
    }
  };
  for (const gw of routes.filter((r) => r.service === 'gateway')) walk([gw], tries(gw.policy));
  if (maxAmplification !== undefined) {
    for (const p of paths) {
      if (p.amplification > maxAmplification) {
        findings.push(
          `call path ${p.hops.map((h) => h.key).join(' → ')}: ${p.amplification} worst-case attempts exceed the bound of ${maxAmplification}`,
        );
      }
    }
  }

  const destinationRules = objects.filter((o) => o.kind === 'DestinationRule');
  for (const dr of destinationRules) {
    const policy = (dr.spec as { trafficPolicy?: { outlierDetection?: unknown } }).trafficPolicy;
    if (policy?.outlierDetection === undefined)
      findings.push(`DestinationRule ${dr.metadata.name}: no outlierDetection`);
  }
  for (const rule of destinationRuleRules) findings.push(...rule.check(destinationRules));

  const totals = namespaceTotals(objects, namespace);
  if (budget !== undefined && (totals.cpuMilli > budget.cpuMilli || totals.memoryMi > budget.memoryMi)) {
    findings.push(
      `namespace ${namespace}: requests ${totals.cpuMilli}m CPU / ${totals.memoryMi}Mi exceed the budget of ${budget.cpuMilli}m / ${budget.memoryMi}Mi`,
    );
  }
  return {
    paths,
    routes,
    totals,
    totalsAtMax: namespaceTotals(objects, namespace, 'max'),
    budget,
    maxAmplification,
    findings,
  };
}
