import { z } from 'zod';
import { baseConfigSchema } from '@mesh-kit/runtime';

/** The environment payments reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  /** Amounts above this are declined (402). */
  PAYMENTS_DECLINE_ABOVE_CENTS: z.coerce.number().int().min(0).default(100_000),
  /** Demo failure knob: the share of authorizations answered 503 (0 = off). */
  PAYMENTS_FAILURE_RATE: z.coerce.number().min(0).max(1).default(0),
  /** Demo failure knob: latency added to every authorization, in ms (0 = off). */
  PAYMENTS_ADDED_LATENCY_MS: z.coerce.number().int().min(0).max(60_000).default(0),
});
