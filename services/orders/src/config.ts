import { baseConfigSchema, natsUrl, postgresUrl, serviceUrl } from '@mesh-kit/runtime';

/** The environment orders reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  DATABASE_URL: postgresUrl,
  USERS_URL: serviceUrl,
  PAYMENTS_URL: serviceUrl,
  NATS_URL: natsUrl,
});
