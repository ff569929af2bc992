import { connect, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { Logger } from 'pino';
import type { ReadinessCheck } from '../health.js';
import { installTracePropagation } from '../trace-context.js';

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
 * configured to never give up (a NATS restart must not leave a service without a broker until a
 * pod restart); nothing here retries calls.
 */
export async function connectEvents(url: string, name: string, logger: Logger): Promise<EventsConnection> {
  installTracePropagation();
  // Pings every 10 s (2 unanswered = stale) so a hung server shows in /readyz within about 30 s
  // rather than the client's default of minutes.
  const nc = await connect({ servers: url, name, maxReconnectAttempts: -1, pingInterval: 10_000, maxPingOut: 2 });
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
    jsm: await jetstreamManager(nc),
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
