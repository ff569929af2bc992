import { baseConfigSchema, databaseConfigSchema, consumerPolicyConfigSchema, natsUrl } from '@mesh-kit/runtime';

/** The environment notifications reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend(consumerPolicyConfigSchema.shape).extend({
  // DATABASE_URL and the pool's limits: see databaseConfigSchema.
  ...databaseConfigSchema.shape,
  NATS_URL: natsUrl,
});
