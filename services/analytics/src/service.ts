import { fileURLToPath } from 'node:url';
import { defineConsumerService, ORDER_PLACED } from '@mesh-kit/runtime';
import { handleOrderPlaced } from './order-placed-handler.js';
import { statsRouter } from './routes/stats.js';
import { StatsStore } from './stats-store.js';

/** analytics: its own durable consumer of orders.placed (fan-out beside notifications'), and /stats. */
export const analytics = defineConsumerService('analytics', {
  migrationsDir: fileURLToPath(new URL('../migrations', import.meta.url)),
  consumes: ORDER_PLACED,
  handler: handleOrderPlaced,
  routes: (pool) => statsRouter(new StatsStore(pool)),
});
