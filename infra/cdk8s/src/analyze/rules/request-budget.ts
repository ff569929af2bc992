import type { Rule } from '../model.js';

/** The namespace's requests, sidecars included and autoscalers at their minimum, fit the catalog's budget. */
export const requestBudget: Rule = {
  name: 'request-budget',
  summary:
    "the namespace's CPU and memory requests, sidecars included and every autoscaler at its minimum, fit the catalog's budget",
  check({ totals, budget, namespace }) {
    if (budget === undefined || (totals.cpuMilli <= budget.cpuMilli && totals.memoryMi <= budget.memoryMi)) return [];
    return [
      `namespace ${namespace}: requests ${totals.cpuMilli}m CPU / ${totals.memoryMi}Mi exceed the budget of ${budget.cpuMilli}m / ${budget.memoryMi}Mi`,
    ];
  },
};
