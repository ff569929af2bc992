import type { Rule } from '../model.js';
import { acyclicRoutes } from './acyclic-routes.js';
import { acyclicServices } from './acyclic-services.js';
import { calleesDeclared } from './callees-declared.js';
import { maxRetriesSet } from './max-retries.js';
import { outlierDetection } from './outlier-detection.js';
import { requestBudget } from './request-budget.js';
import { retryAmplification } from './retry-amplification.js';
import { retryBudgetSet } from './retry-budget.js';
import { routeTimeout } from './route-timeout.js';
import { routesDeclared } from './routes-declared.js';
import { safeRetries } from './safe-retries.js';
import { triesFitTimeout } from './tries-fit-timeout.js';
import { tryOutlastsCallees } from './try-outlasts-callees.js';

/** The rules of `npm run analyze`, in the order their findings are listed. */
export const rules: readonly Rule[] = [
  routesDeclared,
  routeTimeout,
  safeRetries,
  calleesDeclared,
  triesFitTimeout,
  tryOutlastsCallees,
  acyclicRoutes,
  acyclicServices,
  retryAmplification,
  outlierDetection,
  retryBudgetSet,
  maxRetriesSet,
  requestBudget,
];
