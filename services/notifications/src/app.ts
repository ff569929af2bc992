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
import { NotificationStore } from './notification-store.js';
import { notificationsRouter } from './routes/notifications.js';

export interface NotificationsDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  /** Checks beyond PostgreSQL behind /readyz (the NATS connection). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  readonly lifecycle?: Lifecycle;
  /** Shared with the event consumer, so /metrics shows its counters. */
  readonly metrics?: ServiceMetrics;
}

export function createApp(deps: NotificationsDeps): ServiceApp {
  return createServiceApp('notifications', {
    logger: deps.logger,
    routes: notificationsRouter(new NotificationStore(deps.pool)),
    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
  });
}
