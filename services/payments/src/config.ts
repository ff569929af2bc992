import { z } from 'zod';
import { baseConfigSchema, databaseConfigSchema } from '@mesh-kit/runtime';

/** The environment payments reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  // DATABASE_URL and the pool's limits: see databaseConfigSchema.
  ...databaseConfigSchema.shape,
  /** Amounts above this are declined (402). */
  PAYMENTS_DECLINE_ABOVE_CENTS: z.coerce.number().int().min(0).default(100_000),
  /**
   * Velocity limit: most authorizations one user gets per window. The default is loose enough for
   * the demo's own load (loadgen, the fault matrix and the benchmarks order as a few users); a real
   * shop sets its own.
   */
  PAYMENTS_VELOCITY_MAX_COUNT: z.coerce.number().int().min(1).default(10_000),
  /** Velocity limit: most cents one user gets authorized per window (summed over currencies). */
  PAYMENTS_VELOCITY_MAX_CENTS: z.coerce.number().int().min(1).default(100_000_000),
  /** Velocity limit: the window, in seconds. */
  PAYMENTS_VELOCITY_WINDOW_SECONDS: z.coerce.number().int().min(1).default(3_600),
  /** Demo failure knob: the share of authorizations answered 503 (0 = off). */
  PAYMENTS_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  /** Demo failure knob: latency added to every authorization, in ms (0 = off). */
  PAYMENTS_ADDED_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
});
