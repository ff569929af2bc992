import { randomBytes } from 'node:crypto';
import { SpanKind, trace } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  connectEvents,
  ensureStreams,
  eventMetrics,
  EventPublisher,
  extractContext,
  namespacedTopology,
  newOrderPlacedEvent,
  ORDER_PLACED_SUBJECT,
  orderPlacedEventSchema,
  ORDERS_TOPOLOGY,
  startConsumer,
  wireSubject,
  type EventsConnection,
} from '@mesh-kit/runtime';
import { silentLogger } from '../../../../test-support/silent-logger.js';

// With a span exporter registered (OTEL_EXPORTER_ZIPKIN_ENDPOINT in a service), the async hop
// shows as producer → consumer spans inside the order request's trace.
const exporter = new InMemorySpanExporter();
trace.setGlobalTracerProvider(new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }));

const topology = namespacedTopology(ORDERS_TOPOLOGY, `ts${randomBytes(3).toString('hex')}`);
const subject = wireSubject(topology, ORDER_PLACED_SUBJECT);
const traceId = 'aa5a2d2c872e8321cf37308d69df2b8a';
const requestSpanId = '051581bf3cb55c13';
let events: EventsConnection;

beforeAll(async () => {
  events = await connectEvents(inject('backing').natsUrl, 'spans-test', silentLogger());
  await ensureStreams(events.jsm, topology);
});

afterAll(async () => {
  await events.jsm.streams.delete(topology.stream).catch(() => undefined);
  await events.jsm.streams.delete(topology.deadLetterStream).catch(() => undefined);
  await events.close();
});

describe('spans of the async hop', () => {
  it('makes a producer span under the request and a consumer span under the producer', async () => {
    const metrics = eventMetrics(new Registry());
    let handled!: () => void;
    const done = new Promise<void>((resolve) => (handled = resolve));
    const consumer = await startConsumer({
      events,
      topology,
      durable: 'spans',
      filterSubject: subject,
      schema: orderPlacedEventSchema,
      policy: { maxDeliver: 2, redeliveryDelaysMs: [1000] },
      handle: async () => handled(),
      logger: silentLogger(),
      metrics,
    });
    try {
      const event = newOrderPlacedEvent({
        id: 'o-1',
        userId: 'u-1',
        items: [{ sku: 'a', quantity: 1, unitPriceCents: 1 }],
        totalCents: 1,
        currency: 'EUR',
      });
      const request = extractContext({ traceparent: `00-${traceId}-${requestSpanId}-01` });
      await new EventPublisher(events.js, metrics).publish(subject, event, request);
      await done;
      await consumer.stop();
      const spans = exporter.getFinishedSpans();
      const producer = spans.find((s) => s.kind === SpanKind.PRODUCER)!;
      const processed = spans.find((s) => s.kind === SpanKind.CONSUMER)!;
      expect(producer.spanContext().traceId).toBe(traceId);
      expect(producer.parentSpanContext?.spanId).toBe(requestSpanId);
      expect(processed.spanContext().traceId).toBe(traceId);
      expect(processed.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
      expect(processed.attributes['messaging.consumer.group.name']).toBe('spans');
    } finally {
      await consumer.stop();
    }
  });
});
