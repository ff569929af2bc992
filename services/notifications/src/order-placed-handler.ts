import type { ConsumerDomainDeps, Delivery, OrderPlacedEvent } from '@mesh-kit/runtime';
import { NotificationStore } from './notification-store.js';

/** One "order confirmed" email per order: a redelivered event is acknowledged without a second. */
export function handleOrderPlaced({ pool, logger }: ConsumerDomainDeps) {
  const store = new NotificationStore(pool);
  return async (event: OrderPlacedEvent, delivery: Delivery): Promise<void> => {
    const sent = await store.recordOrderPlaced(event, delivery.traceId);
    const ids = { orderId: event.order.id, eventId: event.id };
    if (sent) logger.info(ids, 'order confirmation email sent');
    else logger.info(ids, 'order already notified; redelivery ignored');
  };
}
