import { createServiceApp, type Lifecycle, type Logger, type ServiceApp } from '@mesh-kit/runtime';
import type { FailureKnob } from './failure-knob.js';
import { authorizationsRouter } from './routes/authorizations.js';

export interface PaymentsDeps {
  readonly logger: Logger;
  /** Amounts above this are declined. @default 100000 */
  readonly declineAboveCents?: number;
  /** @default off */
  readonly failureKnob?: FailureKnob;
  readonly lifecycle?: Lifecycle;
}

export function createApp(deps: PaymentsDeps): ServiceApp {
  return createServiceApp('payments', {
    logger: deps.logger,
    routes: authorizationsRouter(
      deps.declineAboveCents ?? 100_000,
      deps.failureKnob ?? { failureRate: 0, addedLatencyMs: 0 },
    ),
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
  });
}
