import { z } from 'zod';
import { ConfigError, natsUrl } from '../config.js';
import type { BrokerCredentials } from './connection.js';
import { ORDER_PLACED_SUBJECT } from '@mesh-kit/catalog/events';
import { namespacedTopology, topologyOf, type ConsumerPolicy, type EventTopology } from './topology.js';

/** Settings of every service that publishes or consumes events. */
export const eventsConfigSchema = z.object({
  /** Isolates the streams of one stack on a shared NATS server (tests, local runs); empty in the cluster. */
  EVENTS_NAMESPACE: z
    .string()
    .regex(/^[A-Za-z0-9_-]*$/, "letters, digits, '_' or '-'")
    .default(''),
  /** The broker user (the service's name in the cluster); unset = connect without credentials (local NATS). */
  NATS_USER: z.string().min(1).optional(),
  /** The broker user's password, from the Secret `<service>-nats`; set together with NATS_USER. */
  NATS_PASSWORD: z.string().min(1).optional(),
});

const streamLimits = z.strictObject({
  maxBytes: z.number().int().positive(),
  maxMsgs: z.number().int().positive(),
  maxMsgSize: z.number().int().positive(),
});

/** What the broker's bootstrap (services/orders/src/bootstrap-streams.ts) reads: where, as whom, which limits. */
export const streamsBootstrapConfigSchema = eventsConfigSchema.extend({
  NATS_URL: natsUrl,
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** JSON `{stream, deadLetter}`, each `{maxBytes, maxMsgs, maxMsgSize}`: the catalog's stream limits. */
  EVENT_STREAM_LIMITS: z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.strictObject({ stream: streamLimits, deadLetter: streamLimits })),
});

/** The broker credentials in `config`, or undefined without any; only one of the two is a config error. */
export function brokerCredentialsFromConfig(config: {
  readonly NATS_USER?: string | undefined;
  readonly NATS_PASSWORD?: string | undefined;
}): BrokerCredentials | undefined {
  const { NATS_USER: user, NATS_PASSWORD: password } = config;
  if (user === undefined && password === undefined) return undefined;
  if (user === undefined)
    throw new ConfigError(['NATS_USER'], 'Invalid configuration: NATS_USER: required with NATS_PASSWORD');
  if (password === undefined) {
    throw new ConfigError(['NATS_PASSWORD'], 'Invalid configuration: NATS_PASSWORD: required with NATS_USER');
  }
  return { user, password };
}

/** The topology of the catalog's stream that stores `subject`, under the configured namespace. */
export function topologyFromConfig(config: z.output<typeof eventsConfigSchema>, subject: string): EventTopology {
  return namespacedTopology(topologyOf(subject), config.EVENTS_NAMESPACE);
}

export function ordersTopologyFromConfig(config: z.output<typeof eventsConfigSchema>): EventTopology {
  return topologyFromConfig(config, ORDER_PLACED_SUBJECT);
}

/**
 * The redelivery policy of a consuming service, from its environment. The default gives a failing
 * message five deliveries over about 7.5 minutes (5 s, 30 s, 2 min, 5 min apart) before it is
 * parked, so a short database outage does not fill the dead-letter stream. The first delay is
 * also JetStream's ack wait: a handler must finish well within it.
 */
export const consumerPolicyConfigSchema = eventsConfigSchema.extend({
  EVENTS_MAX_DELIVER: z.coerce.number().int().min(1).max(100).default(5),
  EVENTS_REDELIVERY_DELAYS_MS: z
    .string()
    .regex(/^\d+(,\d+)*$/, 'comma-separated milliseconds, e.g. 1000,5000,30000')
    .default('5000,30000,120000,300000'),
});

export function consumerPolicyFromConfig(config: z.output<typeof consumerPolicyConfigSchema>): ConsumerPolicy {
  return {
    maxDeliver: config.EVENTS_MAX_DELIVER,
    redeliveryDelaysMs: config.EVENTS_REDELIVERY_DELAYS_MS.split(',').map(Number),
  };
}
