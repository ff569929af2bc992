import {
  AckPolicy,
  DeliverPolicy,
  DiscardPolicy,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamManager,
  type StreamConfig,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';
import { type Catalog, catalog, streamOf } from '@mesh-kit/catalog';
import { ORDER_PLACED_SUBJECT } from '@mesh-kit/catalog/events';

/** The streams one family of events lives in. */
export interface EventTopology {
  /** The stream that stores the events. */
  readonly stream: string;
  readonly subjects: readonly string[];
  /** Put before each event subject (`orders.placed`) on the wire; empty outside shared test brokers. */
  readonly subjectPrefix: string;
  /** Where consumers park messages they gave up on, next to the server's max-deliveries advisories. */
  readonly deadLetterStream: string;
  /** Publishes with a `Nats-Msg-Id` seen within this window are dropped as duplicates. */
  readonly duplicateWindowMs: number;
  /** How long events are kept (consumers are durable, so this bounds how long one may be down). */
  readonly maxAgeMs: number;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The topology of the catalog's stream that stores `subject`: its name, subjects and dead-letter
 * stream come from the catalog, so a consumer of any stream reads that stream (never ORDERS by default).
 */
export function topologyOf(subject: string, source: Catalog = catalog): EventTopology {
  const stream = streamOf(subject, source);
  return {
    stream: stream.name,
    subjects: stream.subjects,
    subjectPrefix: '',
    deadLetterStream: stream.deadLetterStream,
    duplicateWindowMs: 10 * 60 * 1000,
    maxAgeMs: 7 * DAY_MS,
  };
}

/** The stream orders publishes `orders.placed` to. */
export const ORDERS_TOPOLOGY: EventTopology = topologyOf(ORDER_PLACED_SUBJECT);

/**
 * The topology under a namespace, so several stacks (or test runs) can share one NATS server
 * without sharing streams: `ci1` gives stream `ci1_ORDERS` over subjects `ci1.orders.>`.
 * The empty namespace is the topology itself.
 */
export function namespacedTopology(base: EventTopology, namespace: string): EventTopology {
  if (namespace === '') return base;
  if (!/^[A-Za-z0-9_-]+$/.test(namespace)) {
    throw new Error(`event namespace must be letters, digits, '_' or '-', got '${namespace}'`);
  }
  return {
    ...base,
    stream: `${namespace}_${base.stream}`,
    subjects: base.subjects.map((subject) => `${namespace}.${subject}`),
    subjectPrefix: `${namespace}.${base.subjectPrefix}`,
    deadLetterStream: `${namespace}_${base.deadLetterStream}`,
  };
}

/** The subject an event with this type travels on within `topology`. */
export function wireSubject(topology: EventTopology, subject: string): string {
  return `${topology.subjectPrefix}${subject}`;
}

/** The subject a consumer's parked copies are published to. */
export function deadLetterSubject(topology: EventTopology, durable: string): string {
  return `deadletter.${topology.stream}.${durable}`;
}

/** How often and how fast a consumer's failing message is redelivered before it is parked. */
export interface ConsumerPolicy {
  /** Deliveries of one message, the first included, before the consumer parks it. */
  readonly maxDeliver: number;
  /** Waits before each redelivery; the last repeats. Set on the consumer, so JetStream times them. */
  readonly redeliveryDelaysMs: readonly number[];
}

/** Thrown when a policy cannot be configured on a JetStream consumer; names the offending values. */
export function validatePolicy(policy: ConsumerPolicy): void {
  if (!Number.isInteger(policy.maxDeliver) || policy.maxDeliver < 1) {
    throw new Error(`maxDeliver must be a positive integer, got ${policy.maxDeliver}`);
  }
  if (policy.redeliveryDelaysMs.some((ms) => !Number.isInteger(ms) || ms <= 0)) {
    throw new Error(`redeliveryDelaysMs must be positive integers, got [${policy.redeliveryDelaysMs.join(', ')}]`);
  }
  if (policy.redeliveryDelaysMs.length > 0 && policy.maxDeliver <= policy.redeliveryDelaysMs.length) {
    throw new Error(
      `maxDeliver (${policy.maxDeliver}) must exceed the number of redelivery delays (${policy.redeliveryDelaysMs.length})`,
    );
  }
}

/** What one stream may hold: total bytes, messages, and the largest single message. */
export interface StreamLimits {
  readonly maxBytes: number;
  readonly maxMsgs: number;
  readonly maxMsgSize: number;
}

/** The limits of an event stream and of its dead-letter stream (the catalog's, in the cluster). */
export interface EventStreamLimits {
  readonly stream: StreamLimits;
  readonly deadLetter: StreamLimits;
}

const limitsConfig = (limits: StreamLimits | undefined): Partial<StreamConfig> =>
  limits === undefined ? {} : { max_bytes: limits.maxBytes, max_msgs: limits.maxMsgs, max_msg_size: limits.maxMsgSize };

function streamConfigs(
  topology: EventTopology,
  limits: EventStreamLimits | undefined,
): (Partial<StreamConfig> & { name: string })[] {
  return [
    {
      name: topology.stream,
      subjects: [...topology.subjects],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      // Full means refused, not the oldest unconsumed events dropped: the outbox keeps them until there is room.
      discard: DiscardPolicy.New,
      max_age: nanos(topology.maxAgeMs),
      duplicate_window: nanos(topology.duplicateWindowMs),
      ...limitsConfig(limits?.stream),
    },
    {
      name: topology.deadLetterStream,
      subjects: [`deadletter.${topology.stream}.>`, `$JS.EVENT.ADVISORY.CONSUMER.MAX_DELIVERIES.${topology.stream}.>`],
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      discard: DiscardPolicy.Old,
      max_age: nanos(4 * topology.maxAgeMs),
      ...limitsConfig(limits?.deadLetter),
    },
  ];
}

const STREAM_NAME_IN_USE = 10058;

/**
 * Creates the event stream and its dead-letter stream, or brings existing ones to this
 * configuration. The broker's bootstrap identity runs it (no service's broker user may create or
 * update a stream: docs/security.md, "Broker"); safe to run twice or concurrently.
 * @param limits without them the streams are bounded by age only (tests on a throwaway broker)
 */
export async function ensureStreams(
  jsm: JetStreamManager,
  topology: EventTopology,
  limits?: EventStreamLimits,
): Promise<void> {
  for (const config of streamConfigs(topology, limits)) {
    try {
      await jsm.streams.add(config);
    } catch (error) {
      if (!(error instanceof JetStreamApiError) || error.code !== STREAM_NAME_IN_USE) throw error;
      const { name, ...update } = config;
      await jsm.streams.update(name, update);
    }
  }
}

const STREAM_NOT_FOUND = 10059;

/**
 * Resolves when both streams of `topology` exist; otherwise rejects naming the missing one. What a
 * service does instead of creating them: the bootstrap identity creates them (ensureStreams).
 */
export async function requireStreams(jsm: JetStreamManager, topology: EventTopology): Promise<void> {
  for (const name of [topology.stream, topology.deadLetterStream]) {
    await jsm.streams.info(name).catch((error: unknown) => {
      if (error instanceof JetStreamApiError && error.code === STREAM_NOT_FOUND) {
        throw new Error(
          `the stream ${name} does not exist: the broker's bootstrap creates it (docs/operations.md, "Broker")`,
          {
            cause: error,
          },
        );
      }
      throw error;
    });
  }
}

/**
 * Creates the durable pull consumer, or updates its redelivery policy in place (the cursor and
 * pending acks survive). Concurrent replicas end with the same configuration.
 */
export async function ensureDurableConsumer(
  jsm: JetStreamManager,
  topology: EventTopology,
  durable: string,
  filterSubject: string,
  policy: ConsumerPolicy,
): Promise<void> {
  validatePolicy(policy);
  const redelivery: Partial<ConsumerConfig> = {
    max_deliver: policy.maxDeliver,
    // resilience-check: allow JetStream's own redelivery schedule, configured on the broker, not a loop here
    backoff: policy.redeliveryDelaysMs.map((ms) => nanos(ms)),
  };
  const existing = await jsm.consumers.info(topology.stream, durable).catch((error: unknown) => {
    if (error instanceof JetStreamApiError && error.code === 10014) return undefined;
    throw error;
  });
  if (existing === undefined) {
    await jsm.consumers.add(topology.stream, {
      durable_name: durable,
      filter_subject: filterSubject,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      max_ack_pending: 1000,
      ...redelivery,
    });
  } else {
    await jsm.consumers.update(topology.stream, durable, redelivery);
  }
}
