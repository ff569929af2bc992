import type { ConsumerDomainDeps, OrderPlacedEvent } from '@mesh-kit/runtime';
import { StatsStore } from './stats-store.js';

/** Counts each placed order once (the store keeps the event ids it counted). */
export function handleOrderPlaced({ pool, logger }: ConsumerDomainDeps) {
  const store = new StatsStore(pool);
  return async (event: OrderPlacedEvent): Promise<void> => {
    const counted = await store.countOrderPlaced(event);
    logger.debug({ orderId: event.order.id, eventId: event.id, counted }, 'order placed event handled');
  };
}
