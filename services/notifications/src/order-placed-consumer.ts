import {
  eventMetrics,
  ORDER_PLACED_SUBJECT,
  orderPlacedEventSchema,
  startConsumer,
  wireSubject,
  type ConsumerPolicy,
  type EventsConnection,
  type EventTopology,
  type Logger,
  type RunningConsumer,
  type ServiceMetrics,
} from '@mesh-kit/runtime';
import type { NotificationStore } from './notification-store.js';

export const DURABLE = 'notifications';

/** notifications' durable consumer of orders.placed: one email per order. */
export function consumeOrderPlaced(deps: {
  readonly events: EventsConnection;
  readonly topology: EventTopology;
  readonly policy: ConsumerPolicy;
  readonly store: NotificationStore;
  readonly logger: Logger;
  readonly metrics: ServiceMetrics;
}): Promise<RunningConsumer> {
  const { store, logger } = deps;
  return startConsumer({
    events: deps.events,
    topology: deps.topology,
    durable: DURABLE,
    filterSubject: wireSubject(deps.topology, ORDER_PLACED_SUBJECT),
    schema: orderPlacedEventSchema,
    policy: deps.policy,
    logger,
    metrics: eventMetrics(deps.metrics.registry),
    async handle(event, delivery) {
      const sent = await store.recordOrderPlaced(event, delivery.traceId);
      if (sent) logger.info({ orderId: event.order.id, eventId: event.id }, 'order confirmation email sent');
      else logger.info({ orderId: event.order.id, eventId: event.id }, 'order already notified; redelivery ignored');
    },
  });
}
