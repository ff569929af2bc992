import { runConsumerService } from '@mesh-kit/runtime';
import { analytics } from './service.js';

// Serves at once; not ready until PostgreSQL and NATS are there and its consumer runs.
await runConsumerService(analytics);
