import { z } from 'zod';
import { baseConfigSchema, serviceUrl } from '@mesh-kit/runtime';

/** The environment loadgen reads at start-up; the manifests' env is checked against it. */
export const configSchema = baseConfigSchema.extend({
  /** The ingress gateway, as seen from inside the cluster. */
  GATEWAY_URL: serviceUrl,
  /** Journeys started per second (each journey is a handful of requests). */
  LOADGEN_RATE_PER_SECOND: z.coerce.number().positive().max(100).default(1),
  /** PEM private key that signs the loadgen's JWTs (mounted from a Secret). */
  JWT_SIGNING_KEY: z.string().includes('PRIVATE KEY', { message: 'must be a PEM private key' }),
  JWT_ISSUER: z.string().min(1).default('mesh-kit'),
  JWT_AUDIENCE: z.string().min(1).default('shop'),
  /** Every subject loadgen signs starts with it: the gateway denies its issuer any other `sub`. */
  JWT_SUBJECT_PREFIX: z
    .string()
    .min(1)
    .max(20)
    .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash or underscore')
    .default('loadgen-'),
});
