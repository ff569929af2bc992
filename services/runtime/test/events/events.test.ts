import { randomBytes } from 'node:crypto';
import { context } from '@opentelemetry/api';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import {
  connectEvents,
  deadLetterSubject,
  ensureDurableConsumer,
  ensureStreams,
  eventMetrics,
  EventPublisher,
  extractContext,
  installTracePropagation,
  namespacedTopology,
  newOrderPlacedEvent,
  ORDER_PLACED_SUBJECT,
  ORDERS_TOPOLOGY,
  wireSubject,
  orderPlacedEventSchema,
  startConsumer,
  type Delivery,
  type EventsConnection,
  type EventTopology,
  type OrderPlacedEvent,
} from '@mesh-kit/runtime';
import { silentLogger } from '../../../../test-support/silent-logger.js';

const suffix = randomBytes(3).toString('hex');
const topology: EventTopology = {
  ...namespacedTopology(ORDERS_TOPOLOGY, `t${suffix}`),
  duplicateWindowMs: 60_000,
  maxAgeMs: 60 * 60_000,
};
const subject = wireSubject(topology, ORDER_PLACED_SUBJECT);
const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
const traceparent = `00-${traceId}-00f067aa0ba902b7-01`;
let events: EventsConnection;

function order(userId = 'u1'): OrderPlacedEvent['order'] {
  return {
    id: randomBytes(8).toString('hex'),
    userId,
    items: [{ sku: 'A', quantity: 2, unitPriceCents: 150 }],
    totalCents: 300,
    currency: 'EUR',
  };
}

async function waitFor(check: () => boolean | Promise<boolean>, ms = 10_000): Promise<void> {
  const until = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

beforeAll(async () => {
  installTracePropagation();
  events = await connectEvents(inject('backing').natsUrl, 'events-test', silentLogger());
  await ensureStreams(events.jsm, topology);
});

afterAll(async () => {
  await events.jsm.streams.delete(topology.stream).catch(() => undefined);
  await events.jsm.streams.delete(topology.deadLetterStream).catch(() => undefined);
  await events.close();
});

describe('event contract', () => {
  it('builds a valid v1 event and rejects one missing the order total, naming the field', () => {
    const event = newOrderPlacedEvent(order());
    expect(event).toMatchObject({ type: 'orders.placed', version: 1 });
    const result = orderPlacedEventSchema.safeParse({ ...event, order: { ...event.order, totalCents: undefined } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.'))).toEqual(['order.totalCents']);
  });

  it('ignores fields it does not know (tolerant reader)', () => {
    const event = { ...newOrderPlacedEvent(order()), extra: true };
    expect(orderPlacedEventSchema.parse(event)).not.toHaveProperty('extra');
  });
});

describe('topology', () => {
  it('namespaces streams and subjects, and names a bad namespace', () => {
    expect(namespacedTopology(ORDERS_TOPOLOGY, 'ci1')).toMatchObject({
      stream: 'ci1_ORDERS',
      subjects: ['ci1.orders.>'],
      deadLetterStream: 'ci1_ORDERS_DLQ',
    });
    expect(wireSubject(namespacedTopology(ORDERS_TOPOLOGY, 'ci1'), 'orders.placed')).toBe('ci1.orders.placed');
    expect(namespacedTopology(ORDERS_TOPOLOGY, '')).toBe(ORDERS_TOPOLOGY);
    expect(() => namespacedTopology(ORDERS_TOPOLOGY, 'a.b')).toThrow(
      "event namespace must be letters, digits, '_' or '-', got 'a.b'",
    );
  });

  it('is created idempotently by concurrent callers and updates the redelivery policy in place', async () => {
    await Promise.all([ensureStreams(events.jsm, topology), ensureStreams(events.jsm, topology)]);
    const policy = { maxDeliver: 4, redeliveryDelaysMs: [100, 200] };
    await Promise.all([
      ensureDurableConsumer(events.jsm, topology, 'idem', subject, policy),
      ensureDurableConsumer(events.jsm, topology, 'idem', subject, policy),
    ]);
    await ensureDurableConsumer(events.jsm, topology, 'idem', subject, {
      maxDeliver: 5,
      redeliveryDelaysMs: [100, 200, 400],
    });
    const info = await events.jsm.consumers.info(topology.stream, 'idem');
    expect(info.config.max_deliver).toBe(5);
    expect(info.config.backoff).toEqual([100e6, 200e6, 400e6]);
    const stream = await events.jsm.streams.info(topology.stream);
    expect(stream.config.duplicate_window).toBe(60_000 * 1e6);
    expect(stream.config.storage).toBe('file');
  });

  it('brings an existing stream to the configured duplicate window and retention', async () => {
    await ensureStreams(events.jsm, { ...topology, duplicateWindowMs: 30_000, maxAgeMs: 30 * 60_000 });
    expect((await events.jsm.streams.info(topology.stream)).config.duplicate_window).toBe(30_000 * 1e6);
    await ensureStreams(events.jsm, topology);
    const { config } = await events.jsm.streams.info(topology.stream);
    expect(config.duplicate_window).toBe(60_000 * 1e6);
    expect(config.max_age).toBe(60 * 60_000 * 1e6);
  });

  it('refuses a policy JetStream would reject, quoting the values', async () => {
    await expect(
      ensureDurableConsumer(events.jsm, topology, 'bad', subject, { maxDeliver: 2, redeliveryDelaysMs: [100, 200] }),
    ).rejects.toThrow('maxDeliver (2) must exceed the number of redelivery delays (2)');
  });
});

describe('publisher', () => {
  it('uses the event id as Nats-Msg-Id, so a re-publish is dropped, and carries the trace headers', async () => {
    const metrics = eventMetrics(new Registry());
    const publisher = new EventPublisher(events.js, metrics);
    const event = newOrderPlacedEvent(order());
    const parent = extractContext({ traceparent }, 'req-1');
    const first = await publisher.publish(subject, event, parent);
    const again = await publisher.publish(subject, event, parent);
    expect(first.duplicate).toBe(false);
    expect(again).toEqual({ streamSequence: first.streamSequence, duplicate: true });
    const stored = await events.jsm.streams.getMessage(topology.stream, { seq: first.streamSequence });
    expect(stored?.header.get('Nats-Msg-Id')).toBe(event.id);
    expect(stored?.header.get('traceparent')).toContain(traceId);
    expect(stored?.header.get('x-request-id')).toBe('req-1');
    expect(stored?.json()).toEqual(event);
  });
});

describe('consumer', () => {
  it('continues the trace, acknowledges, parks a malformed event after the bound and keeps going', async () => {
    const registry = new Registry();
    const metrics = eventMetrics(registry);
    const publisher = new EventPublisher(events.js, metrics);
    const seen: { event: OrderPlacedEvent; delivery: Delivery }[] = [];
    const durable = 'poison';
    const consumer = await startConsumer({
      events,
      topology,
      durable,
      filterSubject: subject,
      schema: orderPlacedEventSchema,
      policy: { maxDeliver: 3, redeliveryDelaysMs: [100, 200] },
      handle: async (event, delivery) => {
        seen.push({ event, delivery });
      },
      logger: silentLogger(),
      metrics,
    });
    try {
      // Earlier tests left one event in the stream; the durable starts from the beginning.
      await waitFor(() => seen.length === 1);
      await events.js.publish(subject, '{"id":"not-an-event"}', { msgID: `bad-${suffix}` });
      const good = newOrderPlacedEvent(order('u2'));
      await context.with(extractContext({ traceparent }, 'req-2'), () => publisher.publish(subject, good));
      await waitFor(() => seen.some((s) => s.event.id === good.id));
      const delivered = seen.find((s) => s.event.id === good.id)!;
      expect(delivered.delivery.traceId).toBe(traceId);

      const dlq = deadLetterSubject(topology, durable);
      await waitFor(async () => (await events.jsm.streams.info(topology.deadLetterStream)).state.messages >= 1);
      const parked = await events.jsm.streams.getMessage(topology.deadLetterStream, { last_by_subj: dlq });
      expect(parked?.string()).toBe('{"id":"not-an-event"}');
      expect(parked?.header.get('x-deliveries')).toBe('3');
      expect(parked?.header.get('x-original-msg-id')).toBe(`bad-${suffix}`);
      expect(parked?.header.get('Nats-Msg-Id')).toBe(`${durable}:${parked?.header.get('x-original-stream-sequence')}`);
      expect(parked?.header.get('x-dead-letter-reason')).toMatch(/does not match the event contract: id: Invalid UUID/);

      const text = await registry.metrics();
      expect(text).toMatch(/events_parked_total\{consumer="poison"\} 1/);
      expect(text).toMatch(/events_redelivered_total\{consumer="poison"\} 2/);
      expect(text).toMatch(/events_failed_total\{consumer="poison"\} 3/);
      expect(text).toMatch(/events_processed_total\{consumer="poison"\} 2/);
      expect(text).toMatch(/events_consumer_pending\{consumer="poison"\} 0/);
      // Terminated, not merely waiting: nothing is left for this consumer.
      const info = await events.jsm.consumers.info(topology.stream, durable);
      expect(info.num_ack_pending + info.num_pending).toBe(0);
    } finally {
      await consumer.stop();
    }
  });

  it('redelivers after a handler failure and resumes where it stopped after a restart', async () => {
    const metrics = eventMetrics(new Registry());
    const publisher = new EventPublisher(events.js, metrics);
    const handled = new Map<string, number>();
    let failNext = true;
    const start = () =>
      startConsumer({
        events,
        topology,
        durable: 'flaky',
        filterSubject: subject,
        schema: orderPlacedEventSchema,
        policy: { maxDeliver: 5, redeliveryDelaysMs: [50] },
        handle: async (event) => {
          if (failNext) {
            failNext = false;
            throw new Error('database briefly unavailable');
          }
          handled.set(event.id, (handled.get(event.id) ?? 0) + 1);
        },
        logger: silentLogger(),
        metrics,
      });
    let consumer = await start();
    await waitFor(() => handled.size >= 2);
    await consumer.stop();
    const later = newOrderPlacedEvent(order('u3'));
    await publisher.publish(subject, later);
    consumer = await start();
    try {
      await waitFor(() => handled.has(later.id));
      expect([...handled.values()].every((n) => n === 1)).toBe(true);
      expect(handled.size).toBe(3);
    } finally {
      await consumer.stop();
    }
  });
});

describe('consumer concurrency', () => {
  it('handles several messages at once, so one slow handler does not hold up the others', async () => {
    const metrics = eventMetrics(new Registry());
    const publisher = new EventPublisher(events.js, metrics);
    const ours = [order('c1'), order('c2'), order('c3')].map((o) => newOrderPlacedEvent(o));
    let release!: () => void;
    const allArrived = new Promise<void>((resolve) => (release = resolve));
    const waiting = new Set<string>();
    const consumer = await startConsumer({
      events,
      topology,
      durable: 'parallel',
      filterSubject: subject,
      schema: orderPlacedEventSchema,
      policy: { maxDeliver: 3, redeliveryDelaysMs: [5_000] },
      concurrency: 3,
      handle: async (event) => {
        if (!ours.some((e) => e.id === event.id)) return;
        waiting.add(event.id);
        if (waiting.size === ours.length) release();
        // Served one at a time, the first handler would wait here forever.
        await allArrived;
      },
      logger: silentLogger(),
      metrics,
    });
    try {
      for (const event of ours) await publisher.publish(subject, event);
      await allArrived;
      expect(waiting.size).toBe(3);
    } finally {
      await consumer.stop();
    }
  });
});

describe('dead-letter stream', () => {
  it('also records the server advisory when a consumer never parks a message itself', async () => {
    const durable = 'crashy';
    await ensureDurableConsumer(events.jsm, topology, durable, subject, { maxDeliver: 2, redeliveryDelaysMs: [100] });
    const before = (await events.jsm.streams.info(topology.deadLetterStream)).state.messages;
    const consumer = await events.js.consumers.get(topology.stream, durable);
    // Take every delivery and acknowledge none, as a consumer dying mid-handling would.
    const messages = await consumer.consume({ max_messages: 10 });
    const taken: number[] = [];
    const loop = (async () => {
      for await (const msg of messages) taken.push(msg.info.deliveryCount);
    })();
    await waitFor(async () => (await events.jsm.streams.info(topology.deadLetterStream)).state.messages > before);
    await messages.close();
    await loop;
    const advisory = await events.jsm.streams.getMessage(topology.deadLetterStream, {
      last_by_subj: `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${topology.stream}.${durable}`,
    });
    expect(advisory?.json()).toMatchObject({ stream: topology.stream, consumer: durable, deliveries: 2 });
    expect(Math.max(...taken)).toBe(2);
  });
});

describe('connection', () => {
  it('is ready while connected and not after close', async () => {
    const other = await connectEvents(inject('backing').natsUrl, 'events-test-2', silentLogger());
    await expect(other.readiness()).resolves.toBeUndefined();
    await other.close();
    await expect(other.readiness()).rejects.toThrow('NATS connection is down');
  });
});
