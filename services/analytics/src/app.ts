import type pg from 'pg';
import {
  createServiceApp,
  postgresCheck,
  type Lifecycle,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
  type ServiceMetrics,
} from '@mesh-kit/runtime';
import { StatsStore } from './stats-store.js';
import { statsRouter } from './routes/stats.js';

export interface AnalyticsDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** Checks beyond PostgreSQL behind /readyz (the NATS connection). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  readonly lifecycle?: Lifecycle;
  /** Shared with the event consumer, so /metrics shows its counters. */
  readonly metrics?: ServiceMetrics;
}

export function createApp(deps: AnalyticsDeps): ServiceApp {
  return createServiceApp('analytics', {
    logger: deps.logger,
    routes: statsRouter(new StatsStore(deps.pool)),
    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
  });
}
