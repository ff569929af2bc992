import { baseConfigSchema, databaseConfigSchema } from '@mesh-kit/runtime';

/** The environment products reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  // DATABASE_URL and the pool's limits: see databaseConfigSchema.
  ...databaseConfigSchema.shape,
});
