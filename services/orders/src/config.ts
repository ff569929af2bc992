import { z } from 'zod';
import { baseConfigSchema, databaseConfigSchema, eventsConfigSchema, natsUrl, serviceUrl } from '@mesh-kit/runtime';

/** The environment orders reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  // DATABASE_URL and the pool's limits: see databaseConfigSchema.
  ...databaseConfigSchema.shape,
  USERS_URL: serviceUrl,
  PRODUCTS_URL: serviceUrl,
  PAYMENTS_URL: serviceUrl,
  NATS_URL: natsUrl,
  // Events (the outbox relay): see src/outbox-relay.ts.
  ...eventsConfigSchema.shape,
  /** How often the outbox relay looks for rows that no post-commit publish took. */
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
  /**
   * How long a pending order belongs to the request that reserved it; after it, a retry with the
   * same key takes it over (its request is presumed dead). Longer than the route's timeout.
   */
  ORDER_PENDING_LEASE_MS: z.coerce.number().int().min(100).max(600_000).default(10_000),
});
