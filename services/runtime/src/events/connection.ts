import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { ReadinessCheck } from '../health.js';
import { installTracePropagation } from '../trace-context.js';

/** A broker user and password (the cluster's NATS admits no one without them). */
export interface BrokerCredentials {
  readonly user: string;
  readonly password: string;
}

/**
 * The reply-subject prefix of a broker user: its permissions let it subscribe to its own inboxes
 * only, so no service can read the replies (pulled messages, acks) meant for another.
 */
export function inboxPrefix(user: string): string {
  return `_INBOX_${user}`;
}

export interface EventsConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  /** Whether the client holds a live connection now (false while it reconnects). */
  isConnected(): boolean;
  /** For /readyz: rejects while the connection is down. */
  readonly readiness: ReadinessCheck;
  /** Runs `listener` each time the client gets its connection back. */
  onReconnect(listener: () => void): void;
  /** Flushes what is buffered and closes; subscriptions are drained first. */
  close(): Promise<void>;
}

/**
 * Connects to NATS and follows the connection's state. The client's own reconnect logic is
 * configured to never give up, from the first connect on (`waitOnFirstConnect`: a service started
 * while the broker is away waits for it instead of failing, and a NATS restart must not leave a
 * service without a broker until a pod restart); nothing here repeats calls. Resolves once connected.
 */
export async function connectEvents(
  url: string,
  name: string,
  logger: Logger,
  credentials?: BrokerCredentials,
): Promise<EventsConnection> {
  installTracePropagation();
  // Pings every 10 s (2 unanswered = stale) so a hung server shows in /readyz within about 30 s
  // rather than the client's default of minutes. Dials every second while the server is away.
  const nc = await connect({
    servers: url,
    name,
    waitOnFirstConnect: true,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1_000,
    pingInterval: 10_000,
    maxPingOut: 2,
    // The client otherwise builds an Error (a stack trace) for every request, JetStream's publish
    // acks included, to report where a timed-out request came from: CPU on every order for a
    // stack nobody reads here.
    noAsyncTraces: true,
    ...(credentials === undefined
      ? {}
      : { user: credentials.user, pass: credentials.password, inboxPrefix: inboxPrefix(credentials.user) }),
  });
  let connected = true;
  const listeners: (() => void)[] = [];
  void (async () => {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect') {
        connected = false;
        logger.warn({ server: status.server }, 'NATS connection lost; the client is reconnecting');
      } else if (status.type === 'reconnect') {
        connected = true;
        logger.info({ server: status.server }, 'NATS connection restored');
        for (const listener of listeners) listener();
      } else if (status.type === 'error') {
        logger.error({ err: status.error }, 'NATS error');
      }
    }
  })();
  logger.info({ server: nc.getServer() }, 'connected to NATS');
  const isConnected = (): boolean => connected && !nc.isClosed();
  return {
    nc,
    js: jetstream(nc),
    // No JetStream round trip here: a broker that drops right after the connect must not fail it;
    // the first stream or consumer call (waited for at start-up) finds out.
    jsm: await jetstreamManager(nc, { checkAPI: false }),
    isConnected,
    readiness: async () => {
      if (!isConnected()) throw new Error('NATS connection is down');
    },
    onReconnect: (listener) => {
      listeners.push(listener);
    },
    close: async () => {
      if (nc.isClosed()) return;
      await (connected ? nc.drain() : nc.close());
    },
  };
}

/** A NATS connection being made in the background: the service starts and serves meanwhile. */
export interface EventsLink {
  /** Resolves once connected (as long as the broker takes to appear); never rejects. */
  readonly connected: Promise<EventsConnection>;
  /** Whether the connection is up now (false before the first connect and while reconnecting). */
  isConnected(): boolean;
  /** For /readyz of services that need the broker: rejects while it is unreachable. */
  readonly readiness: ReadinessCheck;
  /** Closes the connection, or drops it as soon as it is made when still waiting. */
  close(): Promise<void>;
}

/** Starts {@link connectEvents} without waiting for it: start-up never blocks on the broker. */
export function openEvents(url: string, name: string, logger: Logger, credentials?: BrokerCredentials): EventsLink {
  let events: EventsConnection | undefined;
  let closed = false;
  logger.info({ url, user: credentials?.user }, 'connecting to NATS in the background');
  const connected = connectEvents(url, name, logger, credentials).then((made) => {
    events = made;
    if (closed) void made.close();
    return made;
  });
  const isConnected = (): boolean => events?.isConnected() ?? false;
  return {
    connected,
    isConnected,
    readiness: async () => {
      if (!isConnected()) throw new Error('NATS is not connected');
    },
    async close() {
      closed = true;
      await events?.close();
    },
  };
}
