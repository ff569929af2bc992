import type pg from 'pg';
import {
  createServiceApp,
  postgresCheck,
  ServiceClient,
  type Lifecycle,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
  type ServiceMetrics,
} from '@mesh-kit/runtime';
import { Checkout } from './checkout.js';
import { OrderStore, type OutboxEvent } from './order-store.js';
import { ordersRouter } from './routes/orders.js';

export interface OrdersDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly usersUrl: string;
  readonly paymentsUrl: string;
  /** Called after each new order commits, with its outbox row (the relay publishes it at once). */
  readonly onOrderCommitted?: (event: OutboxEvent) => void;
  /** Checks beyond PostgreSQL behind /readyz (e.g. the NATS connection). */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  readonly lifecycle?: Lifecycle;
  /** Shared with the outbox relay, so /metrics shows its backlog and publish counters. */
  readonly metrics?: ServiceMetrics;
  readonly bodyLimit?: string;
}

export function createApp(deps: OrdersDeps): ServiceApp {
  const checkout = new Checkout(
    new ServiceClient('users', deps.usersUrl),
    new ServiceClient('payments', deps.paymentsUrl),
  );
  return createServiceApp('orders', {
    logger: deps.logger,
    routes: ordersRouter({
      store: new OrderStore(deps.pool),
      checkout,
      ...(deps.onOrderCommitted === undefined ? {} : { onCommitted: deps.onOrderCommitted }),
    }),
    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    ...(deps.bodyLimit === undefined ? {} : { bodyLimit: deps.bodyLimit }),
  });
}
