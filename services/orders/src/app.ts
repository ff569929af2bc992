import type pg from 'pg';
import {
  createServiceApp,
  postgresCheck,
  ServiceClient,
  type HealthDetail,
  type Lifecycle,
  type Logger,
  type ReadinessCheck,
  type ServiceApp,
  type ServiceMetrics,
} from '@mesh-kit/runtime';
import { Checkout } from './checkout.js';
import { OrderStore } from './order-store.js';
import type { OutboxRow } from './outbox-row.js';
import { OrderPlacement } from './placement.js';
import { ordersRouter } from './routes/orders.js';

export interface OrdersDeps {
  readonly pool: pg.Pool;
  readonly logger: Logger;
  readonly usersUrl: string;
  readonly productsUrl: string;
  readonly paymentsUrl: string;
  /** Called after each new order commits, with its outbox row (the relay publishes it at once). */
  readonly onOrderCommitted?: (event: OutboxRow) => void;
  /** Checks behind /readyz; the server replaces `postgres` with the database's own probe. */
  readonly readiness?: Readonly<Record<string, ReadinessCheck>>;
  /** Facts for /healthz: the outbox backlog and the broker connection. */
  readonly healthDetail?: HealthDetail;
  /** How long a pending order belongs to its request before a retry may take it over. @default 10000 */
  readonly pendingLeaseMs?: number;
  readonly lifecycle?: Lifecycle;
  /** Shared with the outbox relay, so /metrics shows its backlog and publish counters. */
  readonly metrics?: ServiceMetrics;
}

export function createApp(deps: OrdersDeps): ServiceApp {
  const checkout = new Checkout(
    new ServiceClient('users', deps.usersUrl),
    new ServiceClient('products', deps.productsUrl),
    new ServiceClient('payments', deps.paymentsUrl),
  );
  const store = new OrderStore(deps.pool, deps.pendingLeaseMs);
  return createServiceApp('orders', {
    logger: deps.logger,
    routes: ordersRouter({
      store,
      placement: new OrderPlacement(store, checkout, deps.logger),
      ...(deps.onOrderCommitted === undefined ? {} : { onCommitted: deps.onOrderCommitted }),
    }),
    readiness: { postgres: postgresCheck(deps.pool), ...deps.readiness },
    ...(deps.lifecycle === undefined ? {} : { lifecycle: deps.lifecycle }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    ...(deps.healthDetail === undefined ? {} : { healthDetail: deps.healthDetail }),
  });
}
