import { consumerPolicyConfigSchema } from '@mesh-kit/runtime';

/** The consumers' default redelivery delays (EVENTS_REDELIVERY_DELAYS_MS), in milliseconds. */
export const REDELIVERY_DELAYS_MS: readonly number[] =
  consumerPolicyConfigSchema.shape.EVENTS_REDELIVERY_DELAYS_MS.parse(undefined).split(',').map(Number);

/**
 * How long events may take to settle after a fault, under the default policy: an event whose first
 * two deliveries both met the fault is redelivered after the first two delays; 10 s more to handle
 * it. Late, not lost: a test that reads its books sooner would call it lost.
 */
export const EVENTS_SETTLE_MS = REDELIVERY_DELAYS_MS[0]! + REDELIVERY_DELAYS_MS[1]! + 10_000;
