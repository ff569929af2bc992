/**
 * The resilience analysis behind `npm run analyze`, over synthesized objects: every call path from
 * the gateway down with its effective timeouts, attempts and retry amplification, the namespace's
 * requests including sidecars, and the findings of the named rules (rules/) that fail the build.
 */
import { ANNOTATION } from '../mesh-names.js';
import {
  annotatedVirtualServices,
  tries,
  type AnalysisModel,
  type CallPath,
  type ManifestObject,
  type RouteNode,
  type Totals,
} from './model.js';
import { namespaceTotals } from './namespace-totals.js';
import { durationMs } from './quantities.js';
import { rules } from './rules/index.js';

export type { CallPath, HopPolicy, ManifestObject, RouteNode, Totals } from './model.js';
export { tries } from './model.js';

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

/** The own-work margin of a route whose annotation names none (the catalog's default). */
export const DEFAULT_OWN_WORK_MARGIN_PERCENT = 20;
/** Istio's retryOn when a route sets no retry policy at all. */
const ISTIO_DEFAULT_RETRY_ON = 'connect-failure,refused-stream,unavailable,cancelled,retriable-status-codes';

/** The annotated routes that have an http route (the routes-declared rule reports the others). */
function routeNodes(objects: readonly ManifestObject[]): RouteNode[] {
  return annotatedVirtualServices(objects).flatMap(({ service, http, annotated }) =>
    annotated.flatMap((m) => {
      const route = http.find((r) => r.name === m.name);
      if (route === undefined) return [];
      const retries = route.retries;
      return [
        {
          key: `${m.method} ${service} ${m.path}`,
          service,
          idempotent: m.idempotent,
          calls: m.calls,
          callOrder: m.callOrder ?? 'sequential',
          ownWorkMarginPercent: m.ownWorkMarginPercent ?? DEFAULT_OWN_WORK_MARGIN_PERCENT,
          policy: {
            timeoutMs: route.timeout === undefined ? undefined : durationMs(route.timeout),
            attempts: retries?.attempts ?? 2,
            perTryTimeoutMs: retries?.perTryTimeout === undefined ? undefined : durationMs(retries.perTryTimeout),
            retryOn: (retries?.retryOn ?? (retries === undefined ? ISTIO_DEFAULT_RETRY_ON : ''))
              .split(',')
              .filter((c) => c !== ''),
          },
        },
      ];
    }),
  );
}

/** Every call path from a gateway route down, with its worst-case attempts. */
function callPaths(routes: readonly RouteNode[], byKey: ReadonlyMap<string, RouteNode>): CallPath[] {
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
  return paths;
}

/** Reads the objects into the model every rule checks. */
export function analysisModel(objects: readonly ManifestObject[]): AnalysisModel {
  const ns = objects.find(
    (o) => o.kind === 'Namespace' && o.metadata.annotations?.[ANNOTATION.maxRetryAmplification] !== undefined,
  );
  const amplification = ns?.metadata.annotations?.[ANNOTATION.maxRetryAmplification];
  const budgetText = ns?.metadata.annotations?.[ANNOTATION.requestBudget];
  const namespace = ns?.metadata.name;
  const routes = routeNodes(objects);
  const byKey = new Map(routes.map((r) => [r.key, r]));
  return {
    objects,
    routes,
    byKey,
    paths: callPaths(routes, byKey),
    destinationRules: objects.filter((o) => o.kind === 'DestinationRule'),
    namespace,
    maxAmplification: amplification === undefined ? undefined : Number(amplification),
    budget: budgetText === undefined ? undefined : (JSON.parse(budgetText) as { cpuMilli: number; memoryMi: number }),
    totals: namespaceTotals(objects, namespace, 'min'),
    totalsAtMax: namespaceTotals(objects, namespace, 'max'),
  };
}

export function analyze(objects: readonly ManifestObject[]): Analysis {
  const model = analysisModel(objects);
  const { paths, routes, totals, totalsAtMax, budget, maxAmplification } = model;
  return {
    paths,
    routes,
    totals,
    totalsAtMax,
    budget,
    maxAmplification,
    findings: rules.flatMap((rule) => rule.check(model)),
  };
}
