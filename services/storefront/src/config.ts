import { baseConfigSchema, serviceUrl } from '@mesh-kit/runtime';
import { z } from 'zod';

/** The environment storefront reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  USERS_URL: serviceUrl,
  ORDERS_URL: serviceUrl,
  NOTIFICATIONS_URL: serviceUrl,
  /**
   * Names the release in every overview (`"release": "v2"`), so a canary's share is visible in the
   * answers themselves. Unset: the overview has no such field.
   */
  OVERVIEW_RELEASE: z.string().min(1).optional(),
});
