/**
 * The named timeout and retry-budget rules of `npm run analyze`. Each finding names the route or
 * DestinationRule it is about; the rule names appear in the report and in the tests.
 */
import type { HopPolicy, ManifestObject, RouteNode } from './analyze.js';

export interface RouteRule {
  readonly name: string;
  readonly summary: string;
  check(routes: readonly RouteNode[], byKey: ReadonlyMap<string, RouteNode>): string[];
}

export interface DestinationRuleRule {
  readonly name: string;
  readonly summary: string;
  check(destinationRules: readonly ManifestObject[]): string[];
}

/** Tries of a hop: the first plus Istio's `attempts` (which counts retries). */
export const tries = (p: HopPolicy): number => 1 + p.attempts;
/** What one try may take at most: the per-try timeout, else the whole route timeout. */
export const tryBudget = (p: HopPolicy): number | undefined => p.perTryTimeoutMs ?? p.timeoutMs;

/** The whole route timeout covers every try: (1 + attempts) × perTryTimeout ≤ timeout. */
export const triesFitTimeout: RouteRule = {
  name: 'tries-fit-timeout',
  summary: '(1 + attempts) × perTryTimeout fits in the route timeout',
  check(routes) {
    const findings: string[] = [];
    for (const r of routes) {
      const p = r.policy;
      if (p.timeoutMs !== undefined && p.perTryTimeoutMs !== undefined && tries(p) * p.perTryTimeoutMs > p.timeoutMs) {
        findings.push(
          `route ${r.key}: ${tries(p)} tries × ${p.perTryTimeoutMs}ms per try exceed the ${p.timeoutMs}ms timeout`,
        );
      }
    }
    return findings;
  },
};

/** What a callee may take at most, retries included: its route timeout. */
const worstCase = (callee: RouteNode): number | undefined => callee.policy.timeoutMs;

/** What one try into a route must last: its callees' worst cases, combined by its call order, plus its margin. */
export interface TryNeed {
  readonly route: RouteNode;
  readonly callees: readonly { readonly key: string; readonly ms: number }[];
  /** The sum (sequential) or the longest (parallel) of the callees' worst cases. */
  readonly combinedMs: number;
  /** combinedMs plus the own-work margin, rounded up. */
  readonly neededMs: number;
}

/** Undefined when the route calls nothing or a callee's worst case is unknown (reported elsewhere). */
export function tryNeed(route: RouteNode, byKey: ReadonlyMap<string, RouteNode>): TryNeed | undefined {
  const callees: { key: string; ms: number }[] = [];
  for (const key of route.calls) {
    const callee = byKey.get(key);
    const ms = callee === undefined ? undefined : worstCase(callee);
    if (ms === undefined) return undefined;
    callees.push({ key, ms });
  }
  if (callees.length === 0) return undefined;
  const combinedMs =
    route.callOrder === 'parallel' ? Math.max(...callees.map((c) => c.ms)) : callees.reduce((sum, c) => sum + c.ms, 0);
  return { route, callees, combinedMs, neededMs: Math.ceil(combinedMs * (1 + route.ownWorkMarginPercent / 100)) };
}

/** `users 900ms + payments 1000ms in sequence = 1900ms`, `+ 20% = 2280ms`. */
export function describeNeed(n: TryNeed): string {
  const list = n.callees.map((c) => `${c.key} ${c.ms}ms`);
  const combined =
    n.callees.length === 1
      ? list[0]!
      : n.route.callOrder === 'parallel'
        ? `the longest of ${list.join(', ')} in parallel = ${n.combinedMs}ms`
        : `${list.join(' + ')} in sequence = ${n.combinedMs}ms`;
  return `${combined}, + ${n.route.ownWorkMarginPercent}% own work = ${n.neededMs}ms`;
}

/**
 * One try of a route outlasts what its service waits for: the sum of its callees' worst cases when
 * it calls them one after another, the longest when it calls them at once, plus the route's
 * own-work margin. A try that ends first gives up exactly when the answer is on its way, and the
 * retry that follows repeats all the work below it. A gateway route is the hop into its target
 * route, so it is judged against the target's callees, order and margin.
 */
export const tryOutlastsCallees: RouteRule = {
  name: 'try-outlasts-callees',
  summary: "each try outlasts its callees' worst cases (sum if sequential, max if parallel) plus the own-work margin",
  check(routes, byKey) {
    const findings: string[] = [];
    for (const r of routes) {
      const budget = tryBudget(r.policy);
      if (budget === undefined) continue; // `no timeout` is reported already
      const targets = r.service === 'gateway' ? r.calls.map((k) => byKey.get(k)).filter((x) => x !== undefined) : [r];
      for (const target of targets) {
        const need = tryNeed(target, byKey);
        if (need !== undefined && budget < need.neededMs) {
          findings.push(
            `route ${r.key}: one try (${budget}ms) is shorter than ${target.key}'s callees' worst case plus its own work (${describeNeed(need)})`,
          );
        }
      }
    }
    return findings;
  },
};

interface DestinationRuleSpec {
  trafficPolicy?: {
    connectionPool?: { http?: { maxRetries?: number } };
    retryBudget?: { percent?: number; minRetryConcurrency?: number };
  };
}

/** Every DestinationRule bounds concurrent retries as a share of the traffic (Istio ≥ 1.30). */
export const retryBudgetSet: DestinationRuleRule = {
  name: 'retry-budget',
  summary: 'every DestinationRule sets trafficPolicy.retryBudget (percent and minRetryConcurrency)',
  check(destinationRules) {
    const findings: string[] = [];
    for (const dr of destinationRules) {
      const budget = (dr.spec as DestinationRuleSpec | undefined)?.trafficPolicy?.retryBudget;
      if (budget === undefined) findings.push(`DestinationRule ${dr.metadata.name}: no retryBudget`);
      else if (budget.percent === undefined || budget.minRetryConcurrency === undefined) {
        findings.push(`DestinationRule ${dr.metadata.name}: retryBudget needs percent and minRetryConcurrency`);
      } else if (budget.percent <= 0) {
        findings.push(`DestinationRule ${dr.metadata.name}: retryBudget.percent ${budget.percent} allows no retries`);
      }
    }
    return findings;
  },
};

/** Every DestinationRule caps outstanding retries (`connectionPool.http.maxRetries`), the bound where no budget applies. */
export const maxRetriesSet: DestinationRuleRule = {
  name: 'max-retries',
  summary: 'every DestinationRule sets connectionPool.http.maxRetries',
  check(destinationRules) {
    const findings: string[] = [];
    for (const dr of destinationRules) {
      const max = (dr.spec as DestinationRuleSpec | undefined)?.trafficPolicy?.connectionPool?.http?.maxRetries;
      if (max === undefined) findings.push(`DestinationRule ${dr.metadata.name}: no connectionPool.http.maxRetries`);
    }
    return findings;
  },
};

/** In the order their findings are listed. */
export const routeRules: readonly RouteRule[] = [triesFitTimeout, tryOutlastsCallees];
export const destinationRuleRules: readonly DestinationRuleRule[] = [retryBudgetSet, maxRetriesSet];
