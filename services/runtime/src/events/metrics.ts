import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** The event counters of one service, registered once on its registry. */
export interface EventMetrics {
  readonly published: Counter<'subject' | 'outcome'>;
  readonly processed: Counter<'consumer'>;
  readonly failed: Counter<'consumer'>;
  readonly redelivered: Counter<'consumer'>;
  readonly parked: Counter<'consumer'>;
  readonly lag: Histogram<'consumer'>;
  /** Sources of the consumer-pending gauge, read on each scrape. */
  readonly pendingSources: Map<string, () => Promise<number | undefined>>;
}

const byRegistry = new WeakMap<Registry, EventMetrics>();

export function eventMetrics(registry: Registry): EventMetrics {
  const known = byRegistry.get(registry);
  if (known !== undefined) return known;
  const registers = [registry];
  const pendingSources = new Map<string, () => Promise<number | undefined>>();
  const metrics: EventMetrics = {
    published: new Counter({
      name: 'events_published_total',
      help: 'Events acknowledged by JetStream, by subject; outcome "duplicate" when the duplicate window dropped a re-publish.',
      labelNames: ['subject', 'outcome'] as const,
      registers,
    }),
    processed: new Counter({
      name: 'events_processed_total',
      help: 'Deliveries handled and acknowledged, by consumer (idempotent re-deliveries included).',
      labelNames: ['consumer'] as const,
      registers,
    }),
    failed: new Counter({
      name: 'events_failed_total',
      help: 'Deliveries whose payload was invalid or whose handler threw; JetStream redelivers them after the consumer redelivery delay.',
      labelNames: ['consumer'] as const,
      registers,
    }),
    redelivered: new Counter({
      name: 'events_redelivered_total',
      help: 'Deliveries that JetStream had delivered before (delivery count above 1).',
      labelNames: ['consumer'] as const,
      registers,
    }),
    parked: new Counter({
      name: 'events_parked_total',
      help: "Messages given up on after the consumer's max deliveries and copied to the dead-letter stream.",
      labelNames: ['consumer'] as const,
      registers,
    }),
    lag: new Histogram({
      name: 'events_lag_seconds',
      help: "From the event's occurredAt to the end of its handling.",
      labelNames: ['consumer'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
      registers,
    }),
    pendingSources,
  };
  new Gauge({
    name: 'events_consumer_pending',
    help: 'Messages the durable consumer has not yet acknowledged (not yet delivered plus awaiting ack).',
    labelNames: ['consumer'] as const,
    registers,
    async collect() {
      for (const [consumer, read] of pendingSources) {
        const pending = await read();
        if (pending !== undefined) this.set({ consumer }, pending);
      }
    },
  });
  byRegistry.set(registry, metrics);
  return metrics;
}
