import { findCycles, type Rule } from '../model.js';

/** No route reaches itself through its calls: a cycle would multiply retries without bound. */
export const acyclicRoutes: Rule = {
  name: 'acyclic-routes',
  summary: 'the route call graph has no cycle',
  check({ routes }) {
    const edges = new Map(routes.map((r) => [r.key, new Set(r.calls)]));
    return findCycles(edges).map((cycle) => `call graph cycle: ${cycle}`);
  },
};
