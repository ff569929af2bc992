import type pg from 'pg';
import {
  createServiceApp,
  postgresCheck,
  type Lifecycle,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
} from '@mesh-kit/runtime';
import { AuthorizationStore } from './authorization-store.js';
import type { FailureKnob } from './failure-knob.js';
import { defaultRules, type PaymentRules } from './rules.js';
import { authorizationsRouter } from './routes/authorizations.js';

export interface PaymentsDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** The decline and velocity limits. @default defaultRules */
  readonly rules?: Partial<PaymentRules>;
  /** @default off */
  readonly failureKnob?: FailureKnob;
  readonly lifecycle?: Lifecycle;
  /** Replaces the default checks behind /readyz (servers pass the database's own probe). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
}

export function createApp(deps: PaymentsDeps): ServiceApp {
  return createServiceApp('payments', {
    logger: deps.logger,
    routes: authorizationsRouter(
      new AuthorizationStore(deps.pool, { ...defaultRules, ...deps.rules }),
      deps.failureKnob ?? { failureRate: 0, addedLatencyMs: 0 },
    ),
    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
  });
}
