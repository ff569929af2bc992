import { findCycles, type Rule } from '../model.js';

interface AuthorizationPolicySpec {
  selector?: { matchLabels?: Record<string, string> };
  rules?: { from?: { source?: { principals?: string[] } }[] }[];
}

/** No service may call itself back through others, as the AuthorizationPolicies admit callers (Law 4). */
export const acyclicServices: Rule = {
  name: 'acyclic-services',
  summary: 'the service call graph the AuthorizationPolicies admit has no cycle',
  check({ objects, namespace }) {
    const edges = new Map<string, Set<string>>();
    for (const p of objects.filter((o) => o.kind === 'AuthorizationPolicy' && o.metadata.namespace === namespace)) {
      const spec = p.spec as AuthorizationPolicySpec;
      const target = spec.selector?.matchLabels?.app;
      if (target === undefined) continue;
      const principals = (spec.rules ?? []).flatMap((r) => (r.from ?? []).flatMap((f) => f.source?.principals ?? []));
      for (const principal of principals) {
        const match = new RegExp(`^cluster\\.local/ns/${namespace ?? '[^/]+'}/sa/(.+)$`).exec(principal);
        if (match === null) continue;
        const callers = edges.get(match[1]!) ?? new Set<string>();
        callers.add(target);
        edges.set(match[1]!, callers);
      }
    }
    return findCycles(edges).map((cycle) => `service call graph cycle: ${cycle}`);
  },
};
