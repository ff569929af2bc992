import type { Rule } from '../model.js';

/** Every route has an explicit timeout: Istio's default is none (Law 3). */
export const routeTimeout: Rule = {
  name: 'route-timeout',
  summary: 'every route sets a timeout',
  check({ routes }) {
    return routes.filter((r) => r.policy.timeoutMs === undefined).map((r) => `route ${r.key}: no timeout`);
  },
};
