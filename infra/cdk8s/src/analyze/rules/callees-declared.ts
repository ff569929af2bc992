import type { Rule } from '../model.js';

/** Every route a service route calls is declared by a VirtualService, so its policy is known. */
export const calleesDeclared: Rule = {
  name: 'callees-declared',
  summary: 'every callee of a route is a route some VirtualService declares',
  check({ routes, byKey }) {
    // A gateway route's target is checked as a route of its own.
    return routes
      .filter((r) => r.service !== 'gateway')
      .flatMap((r) =>
        r.calls.filter((k) => !byKey.has(k)).map((k) => `route ${r.key}: calls ${k}, which no VirtualService declares`),
      );
  },
};
