import type { Rule } from '../model.js';

export interface DestinationRuleSpec {
  trafficPolicy?: {
    connectionPool?: { http?: { maxRetries?: number } };
    retryBudget?: { percent?: number; minRetryConcurrency?: number };
  };
}

/** Every DestinationRule bounds concurrent retries as a share of the traffic (Istio ≥ 1.30). */
export const retryBudgetSet: Rule = {
  name: 'retry-budget',
  summary: 'every DestinationRule sets trafficPolicy.retryBudget (percent and minRetryConcurrency)',
  check({ destinationRules }) {
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
