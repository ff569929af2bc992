import { tryBudget, type RouteNode, type Rule } from '../model.js';

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
export const tryOutlastsCallees: Rule = {
  name: 'try-outlasts-callees',
  summary: "each try outlasts its callees' worst cases (sum if sequential, max if parallel) plus the own-work margin",
  check({ routes, byKey }) {
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
