import { fileURLToPath } from 'node:url';
import { defineConsumerService, ORDER_PLACED } from '@mesh-kit/runtime';
import { NotificationStore } from './notification-store.js';
import { handleOrderPlaced } from './order-placed-handler.js';
import { notificationsRouter } from './routes/notifications.js';

/** notifications: emails each placed order's confirmation and lists a caller's notifications. */
export const notifications = defineConsumerService('notifications', {
  migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
  consumes: ORDER_PLACED,
  handler: handleOrderPlaced,
  routes: (pool) => notificationsRouter(new NotificationStore(pool)),
});
