import { Counter, Gauge, type Registry } from 'prom-client';

/** The journey steps, as they appear in the `step` label. */
export type Step =
  | 'browse_products'
  | 'create_user'
  | 'place_order'
  | 'replay_order'
  | 'profile'
  | 'list_orders'
  | 'overview'
  | 'stats'
  | 'notifications';

export interface LoadgenMetrics {
  /** Requests by step and outcome: the HTTP status code, `unreachable`, or `mismatch` for a replay that returned another order. */
  readonly requests: Counter<'step' | 'outcome'>;
  /**
   * Journeys by outcome: `completed`, `no_products` (the catalogue could not be read), `no_user`
   * (registration failed), `failed` (unexpected error).
   */
  readonly journeys: Counter<'outcome'>;
  readonly inFlight: Gauge;
}

export function createLoadgenMetrics(registry: Registry): LoadgenMetrics {
  return {
    requests: new Counter({
      name: 'loadgen_requests_total',
      help: 'Requests sent through the ingress gateway, by journey step and outcome (status code, unreachable, mismatch).',
      labelNames: ['step', 'outcome'] as const,
      registers: [registry],
    }),
    journeys: new Counter({
      name: 'loadgen_journeys_total',
      help: 'Journeys run, by outcome (completed, no_products, no_user, failed).',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'loadgen_journeys_in_flight',
      help: 'Journeys started and not finished yet.',
      registers: [registry],
    }),
  };
}
