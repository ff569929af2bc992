import { context, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { acceptRequestId, activeTraceId, extractContext, REQUEST_ID_HEADER } from '../trace-context.js';
import type { EventsConnection } from './connection.js';
import type { EventEnvelope } from '@mesh-kit/catalog/events';
import { fromNatsHeaders, toNatsHeaders } from './headers.js';
import type { EventMetrics } from './metrics.js';
import { deadLetterSubject, ensureDurableConsumer, type ConsumerPolicy, type EventTopology } from './topology.js';

const tracer = trace.getTracer('@mesh-kit/runtime');

/**
 * How long one pull request lives on the server. @nats-io/jetstream 3.4.0 also derives from it how
 * long a consumer may stall after the broker comes back: on a reconnect it asks for the consumer's
 * info before pulling again, and when that request fails (the broker still busy) it waits `expires`
 * before asking again (`lib/consumer.js`, resetPendingWithInfo); missed heartbeats, every
 * `expires / 2`, re-pull after two. With the default 30 s a consumer could sit idle for half a
 * minute after a blip while its backlog grew; 5 s costs one idle pull request per 5 s.
 */
const PULL_EXPIRES_MS = 5_000;

/** What a handler knows about the delivery besides the event. */
export interface Delivery {
  readonly subject: string;
  readonly streamSequence: number;
  readonly deliveryCount: number;
  /** The publisher's trace id, continued here; undefined when the message carried none. */
  readonly traceId: string | undefined;
}

export interface EventConsumerOptions<S extends z.ZodType<EventEnvelope>> {
  readonly events: EventsConnection;
  readonly topology: EventTopology;
  /** The durable consumer's name; one per consuming service (replicas share it). */
  readonly durable: string;
  readonly filterSubject: string;
  readonly schema: S;
  readonly policy: ConsumerPolicy;
  /**
   * Handles one event. Must be idempotent by event id: JetStream delivers at least once.
   * Throwing leaves the message unacknowledged; the consumer's backoff times the redelivery.
   */
  readonly handle: (event: z.output<S>, delivery: Delivery) => Promise<void>;
  readonly logger: Logger;
  readonly metrics: EventMetrics;
  /** Messages handled at once; handlers must not depend on each other's order. @default 8 */
  readonly concurrency?: number;
}

export interface RunningConsumer {
  /** Stops pulling, lets the message in hand finish, and resolves. */
  stop(): Promise<void>;
}

class InvalidEvent extends Error {
  override readonly name = 'InvalidEvent';
}

function parseEvent<S extends z.ZodType<EventEnvelope>>(schema: S, msg: JsMsg): z.output<S> {
  let body: unknown;
  try {
    body = JSON.parse(msg.string());
  } catch {
    throw new InvalidEvent('payload is not JSON');
  }
  const result = schema.safeParse(body);
  if (!result.success) {
    const fields = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new InvalidEvent(`payload does not match the event contract: ${fields.join('; ')}`);
  }
  return result.data;
}

/** The reason of a failure as the dead-letter stream and the logs state it. */
const reasonOf = (error: unknown): string =>
  error instanceof Error ? `${error.name}: ${error.message}` : String(error);

/**
 * Copies a message that failed its last allowed delivery to the dead-letter stream with the reason,
 * then terminates it so JetStream stops redelivering. Should the copy fail, the message is left
 * unacknowledged and JetStream's max-deliveries advisory records it instead.
 */
async function park(scope: EventConsumerOptions<z.ZodType<EventEnvelope>>, msg: JsMsg, reason: string): Promise<void> {
  const { events, topology, durable, logger, metrics } = scope;
  const original = fromNatsHeaders(msg.headers);
  const headers: Record<string, string> = {};
  // The trace headers travel on; JetStream's own (Nats-Msg-Id, …) would confuse the dead-letter stream.
  for (const [key, value] of Object.entries(original)) {
    if (typeof value === 'string' && !key.startsWith('nats-')) headers[key] = value;
  }
  try {
    await events.js.publish(deadLetterSubject(topology, durable), msg.data, {
      msgID: `${durable}:${msg.seq}`,
      headers: toNatsHeaders({
        ...headers,
        'x-dead-letter-reason': reason.slice(0, 1000),
        'x-dead-letter-consumer': durable,
        'x-original-subject': msg.subject,
        'x-original-msg-id': typeof original['nats-msg-id'] === 'string' ? original['nats-msg-id'] : '',
        'x-original-stream-sequence': String(msg.seq),
        'x-deliveries': String(msg.info.deliveryCount),
      }),
    });
  } catch (error) {
    logger.error({ err: error, streamSequence: msg.seq }, 'could not copy a message to the dead-letter stream');
    return;
  }
  msg.term();
  metrics.parked.inc({ consumer: durable });
  logger.error(
    {
      consumer: durable,
      subject: msg.subject,
      streamSequence: msg.seq,
      deliveries: msg.info.deliveryCount,
      reason,
      deadLetterStream: topology.deadLetterStream,
    },
    'event parked in the dead-letter stream after its last allowed delivery',
  );
}

/** Validates and handles one message, then acknowledges it; a failure is left to JetStream or parked. */
async function handleMessage<S extends z.ZodType<EventEnvelope>>(
  scope: EventConsumerOptions<S>,
  msg: JsMsg,
  span: Span,
): Promise<void> {
  const { durable, policy, logger, metrics } = scope;
  const deliveryCount = msg.info.deliveryCount;
  if (deliveryCount > 1) metrics.redelivered.inc({ consumer: durable });
  try {
    const event = parseEvent(scope.schema, msg);
    await scope.handle(event, {
      subject: msg.subject,
      streamSequence: msg.seq,
      deliveryCount,
      traceId: activeTraceId(),
    });
    msg.ack();
    metrics.processed.inc({ consumer: durable });
    metrics.lag.observe({ consumer: durable }, (Date.now() - Date.parse(event.occurredAt)) / 1000);
  } catch (error) {
    metrics.failed.inc({ consumer: durable });
    span.setStatus({ code: SpanStatusCode.ERROR });
    if (deliveryCount >= policy.maxDeliver) {
      await park(scope, msg, reasonOf(error));
    } else {
      logger.warn(
        { err: error, consumer: durable, streamSequence: msg.seq, deliveryCount, maxDeliver: policy.maxDeliver },
        'event handling failed; JetStream redelivers it after the consumer redelivery delay',
      );
    }
  }
}

/** Handles one message inside a consumer span that continues the publisher's trace. */
async function deliver<S extends z.ZodType<EventEnvelope>>(scope: EventConsumerOptions<S>, msg: JsMsg): Promise<void> {
  const headers = fromNatsHeaders(msg.headers);
  // A malformed request id (whoever published it) is dropped, not carried on ('' means none).
  const parent = extractContext(
    headers,
    acceptRequestId(headers[REQUEST_ID_HEADER], () => ''),
  );
  const span = tracer.startSpan(
    `${msg.subject} process`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        'messaging.system': 'nats',
        'messaging.destination.name': msg.subject,
        'messaging.consumer.group.name': scope.durable,
      },
    },
    parent,
  );
  try {
    await context.with(trace.setSpan(parent, span), () => handleMessage(scope, msg, span));
  } finally {
    span.end();
  }
}

/** Handles up to `concurrency` messages at once, so one slow handler does not hold up the rest. */
async function pull<S extends z.ZodType<EventEnvelope>>(
  scope: EventConsumerOptions<S>,
  messages: ConsumerMessages,
  concurrency: number,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const freed: (() => void)[] = [];
  for await (const msg of messages) {
    if (inFlight.size >= concurrency) await new Promise<void>((resolve) => freed.push(resolve));
    const handled = deliver(scope, msg).finally(() => {
      inFlight.delete(handled);
      freed.shift()?.();
    });
    inFlight.add(handled);
  }
  await Promise.all(inFlight);
}

/**
 * Creates (or updates) the durable consumer and processes its messages, a few at a time: continues
 * the publisher's trace, validates the payload, calls `handle`, acknowledges. A failing message is
 * left to JetStream, which redelivers it after the consumer's redelivery delay; on its last allowed
 * delivery it is copied to the dead-letter stream with the reason, terminated, counted and logged,
 * and the consumer moves on. The streams are the publisher's (orders creates them; a consumer's broker
 * user may not): until they exist this rejects, and start-up waits and tries again.
 */
export async function startConsumer<S extends z.ZodType<EventEnvelope>>(
  options: EventConsumerOptions<S>,
): Promise<RunningConsumer> {
  const { events, topology, durable, policy, logger, metrics } = options;
  await ensureDurableConsumer(events.jsm, topology, durable, options.filterSubject, policy);
  const consumer = await events.js.consumers.get(topology.stream, durable);
  metrics.pendingSources.set(durable, async () => {
    if (!events.isConnected()) return undefined;
    const info = await consumer.info().catch(() => undefined);
    return info === undefined ? undefined : info.num_pending + info.num_ack_pending;
  });

  // JetStream's ack wait is the first redelivery delay and runs from delivery to this client, so
  // the messages buffered here must be handled well within it: pull small batches.
  const messages: ConsumerMessages = await consumer.consume({ max_messages: 32, expires: PULL_EXPIRES_MS });
  let stopping = false;
  // A consumer that stopped pulling leaves the service alive but deaf: restart it cleanly
  // (SIGTERM drains like any shutdown) so the orchestrator starts a fresh one.
  const restart = (error: unknown): void => {
    logger.fatal({ err: error, consumer: durable }, 'event consumer stopped unexpectedly; shutting down to restart');
    process.kill(process.pid, 'SIGTERM');
  };
  const loop = pull(options, messages, options.concurrency ?? 8).then(
    () => {
      if (!stopping) restart(undefined);
    },
    (error: unknown) => restart(error),
  );
  logger.info({ stream: topology.stream, consumer: durable, policy }, 'consuming events');

  return {
    async stop() {
      stopping = true;
      metrics.pendingSources.delete(durable);
      await messages.close();
      await loop;
    },
  };
}
