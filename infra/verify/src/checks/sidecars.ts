import { evaluateSidecars } from '../evaluate.js';
import { appNames } from '../expectations.js';
import type { Check } from './check.js';

export const sidecarsCheck: Check = {
  id: 'sidecars',
  title: 'every app pod has a ready istio-proxy',
  async run(ctx) {
    return evaluateSidecars(await ctx.cluster.pods(ctx.namespace), appNames(ctx.catalog));
  },
};
