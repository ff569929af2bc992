import { tries, type Rule } from '../model.js';

/** The whole route timeout covers every try: (1 + attempts) × perTryTimeout ≤ timeout. */
export const triesFitTimeout: Rule = {
  name: 'tries-fit-timeout',
  summary: '(1 + attempts) × perTryTimeout fits in the route timeout',
  check({ routes }) {
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
