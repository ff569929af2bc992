import { context, SpanKind, trace, type Context } from '@opentelemetry/api';
import type { JetStreamClient } from '@nats-io/jetstream';
import { outgoingTraceHeaders } from '../trace-context.js';
import type { EventEnvelope } from '@mesh-kit/catalog/events';
import { toNatsHeaders } from './headers.js';
import type { EventMetrics } from './metrics.js';

const tracer = trace.getTracer('@mesh-kit/runtime');

export interface PublishResult {
  readonly streamSequence: number;
  /** True when the stream had the same event id within its duplicate window and dropped this copy. */
  readonly duplicate: boolean;
}

/** Publishes events to JetStream with `Nats-Msg-Id` = event id and the trace context in headers. */
export class EventPublisher {
  constructor(
    private readonly js: JetStreamClient,
    private readonly metrics: EventMetrics,
  ) {}

  /**
   * Resolves once the stream has stored the event. `parent` is the trace context the event
   * belongs to (for the outbox: the one of the request that placed the order).
   */
  async publish(subject: string, event: EventEnvelope, parent: Context = context.active()): Promise<PublishResult> {
    const span = tracer.startSpan(
      `${subject} publish`,
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'nats', 'messaging.destination.name': subject } },
      parent,
    );
    try {
      const ack = await this.js.publish(subject, JSON.stringify(event), {
        msgID: event.id,
        headers: toNatsHeaders({
          'content-type': 'application/json',
          ...outgoingTraceHeaders(trace.setSpan(parent, span)),
        }),
      });
      this.metrics.published.inc({ subject, outcome: ack.duplicate ? 'duplicate' : 'stored' });
      return { streamSequence: ack.seq, duplicate: ack.duplicate };
    } finally {
      span.end();
    }
  }
}
