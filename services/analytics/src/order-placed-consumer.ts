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
import type { StatsStore } from './stats-store.js';

export const DURABLE = 'analytics';

/** analytics' own durable consumer of orders.placed (fan-out beside notifications'). */
export function consumeOrderPlaced(deps: {
  readonly events: EventsConnection;
  readonly topology: EventTopology;
  readonly policy: ConsumerPolicy;
  readonly store: StatsStore;
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
    async handle(event) {
      const counted = await store.countOrderPlaced(event);
      logger.debug({ orderId: event.order.id, eventId: event.id, counted }, 'order placed event handled');
    },
  });
}
