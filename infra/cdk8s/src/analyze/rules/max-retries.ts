import type { Rule } from '../model.js';
import type { DestinationRuleSpec } from './retry-budget.js';

/** Every DestinationRule caps outstanding retries (`connectionPool.http.maxRetries`), the bound where no budget applies. */
export const maxRetriesSet: Rule = {
  name: 'max-retries',
  summary: 'every DestinationRule sets connectionPool.http.maxRetries',
  check({ destinationRules }) {
    const findings: string[] = [];
    for (const dr of destinationRules) {
      const max = (dr.spec as DestinationRuleSpec | undefined)?.trafficPolicy?.connectionPool?.http?.maxRetries;
      if (max === undefined) findings.push(`DestinationRule ${dr.metadata.name}: no connectionPool.http.maxRetries`);
    }
    return findings;
  },
};
