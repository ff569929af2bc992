import { apiKeysCheck } from './api-keys.js';
import { authorizationCheck } from './authorization.js';
import { natsLossCheck, postgresLossCheck } from './backing-pod-loss.js';
import { breakerCheck } from './breaker.js';
import { canaryCheck } from './canary.js';
import { chaosCheck } from './chaos.js';
import type { Check } from './check.js';
import { identityCheck } from './identity.js';
import { identityProviderCheck } from './identity-provider.js';
import { jwtCheck } from './jwt.js';
import { mirrorCheck } from './mirror.js';
import { mtlsCheck } from './mtls.js';
import { outlierCheck } from './outlier.js';
import { ownershipCheck } from './ownership.js';
import { rateLimitCheck } from './rate-limit.js';
import { retriesCheck } from './retries.js';
import { scaleUpCheck } from './scale-up.js';
import { sidecarsCheck } from './sidecars.js';
import { timeoutCheck } from './timeout.js';
import { traceCheck } from './trace.js';

/** In the order they run: read-only checks first, the knob checks and the traffic state's next, then the pod losses, the burst last. */
export const checks: readonly Check[] = [
  sidecarsCheck,
  mtlsCheck,
  authorizationCheck,
  jwtCheck,
  apiKeysCheck,
  identityCheck,
  identityProviderCheck,
  ownershipCheck,
  traceCheck,
  retriesCheck,
  timeoutCheck,
  breakerCheck,
  outlierCheck,
  // What make canary / mirror / chaos switched on; each skips when nothing is.
  canaryCheck,
  mirrorCheck,
  chaosCheck,
  scaleUpCheck,
  postgresLossCheck,
  natsLossCheck,
  rateLimitCheck,
];

export type { Check } from './check.js';
