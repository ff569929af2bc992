import { runConsumerService } from '@mesh-kit/runtime';
import { notifications } from './service.js';

// Serves at once; not ready until PostgreSQL and NATS are there and its consumer runs.
await runConsumerService(notifications);
