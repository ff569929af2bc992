import { z } from 'zod';
import { baseConfigSchema, eventsConfigSchema, natsUrl, postgresUrl, serviceUrl } from '@mesh-kit/runtime';

/** The environment orders reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  DATABASE_URL: postgresUrl,
  USERS_URL: serviceUrl,
  PAYMENTS_URL: serviceUrl,
  NATS_URL: natsUrl,
  // Events (the outbox relay): see src/outbox-relay.ts.
  ...eventsConfigSchema.shape,
  /** How often the outbox relay looks for rows that no post-commit publish took. */
  OUTBOX_POLL_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(1000),
});
