import { baseConfigSchema, consumerPolicyConfigSchema, natsUrl, postgresUrl } from '@mesh-kit/runtime';

/** The environment analytics reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend(consumerPolicyConfigSchema.shape).extend({
  DATABASE_URL: postgresUrl,
  NATS_URL: natsUrl,
});
