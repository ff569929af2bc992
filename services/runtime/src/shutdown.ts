import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { Logger } from 'pino';
import type { Lifecycle } from './health.js';

export interface ServeOptions {
  readonly server: Server;
  readonly lifecycle: Lifecycle;
  readonly logger: Logger;
  /** Upper bound for the whole drain; after it, remaining connections are cut and the process exits 1. */
  readonly timeoutMs: number;
  /** Closes pools and connections after the HTTP server has drained. */
  readonly onClose?: () => Promise<void>;
  /** Injected for tests; defaults to process.exit. */
  readonly exit?: (code: number) => void;
}

/**
 * Installs SIGTERM/SIGINT handling: /readyz turns 503, the listener stops accepting, in-flight
 * requests finish, keep-alive connections are closed, `onClose` runs, and the process exits 0.
 */
export function handleShutdown(options: ServeOptions): () => Promise<void> {
  const { server, lifecycle, logger, timeoutMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | undefined;
  let draining = false;
  // Connections, not requests, are tracked: a Set of every response with a 'close' listener on each
  // cost users 14 % of its CPU per read (docs/benchmarks.md, "Shutdown bookkeeping"). A kept-alive
  // connection carries many requests; each request only notes itself as its connection's latest.
  const connections = new Set<Socket>();
  const latest = new WeakMap<Socket, ServerResponse>();
  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });
  server.prependListener('request', (req, res) => {
    if (draining) {
      res.setHeader('connection', 'close');
      return;
    }
    latest.set(req.socket, res);
  });

  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      logger.info({ timeoutMs }, 'shutting down: draining in-flight requests');
      lifecycle.startDraining();
      // server.close() closes idle keep-alive connections once; a client that keeps a connection
      // busy (slow answers under steady load) would hold the drain open until the timeout. Every
      // answer from now on, also to a request already at work, closes its connection.
      draining = true;
      for (const socket of connections) {
        const res = latest.get(socket);
        if (res !== undefined && !res.headersSent) res.setHeader('connection', 'close');
      }
      const forced = setTimeout(() => {
        logger.error('drain exceeded SHUTDOWN_TIMEOUT_MS: closing remaining connections');
        server.closeAllConnections();
        exit(1);
      }, timeoutMs);
      forced.unref();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      try {
        await options.onClose?.();
      } catch (error) {
        logger.error({ err: error }, 'error while closing resources');
      }
      clearTimeout(forced);
      logger.info('shutdown complete');
      exit(0);
    })();
    return stopping;
  };

  process.once('SIGTERM', () => void stop());
  process.once('SIGINT', () => void stop());
  return stop;
}
