import { baseConfigSchema, serviceUrl } from '@mesh-kit/runtime';

/** The environment storefront reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  USERS_URL: serviceUrl,
  ORDERS_URL: serviceUrl,
  NOTIFICATIONS_URL: serviceUrl,
});
