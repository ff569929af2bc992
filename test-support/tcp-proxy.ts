import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';

/**
 * A TCP proxy a test controls, between a service and a shared server (PostgreSQL, NATS), so the
 * test can break the connection without stopping the server others use:
 * - `cut()` resets every open connection (what a server restart or failover does to clients);
 * - `refuse()` closes the listening port: new connections are refused until `restore()`;
 * - `blackhole()` accepts connections and forwards nothing (a hung peer) until `restore()`;
 * - `slowAccept(ms)` forwards each new connection only after `ms` (a server slow to take
 *   connections: starved of CPU, or failing over) until `restore()`.
 */
export interface TcpProxy {
  /** host:port to put in the service's URL instead of the server's. */
  readonly port: number;
  /** `url` with its host and port replaced by the proxy's. */
  via(url: string): string;
  /** Connections currently open through the proxy. */
  readonly openConnections: number;
  cut(): void;
  refuse(): Promise<void>;
  blackhole(): void;
  slowAccept(ms: number): void;
  restore(): Promise<void>;
  close(): Promise<void>;
}

export async function startTcpProxy(target: { host: string; port: number }, port = 0): Promise<TcpProxy> {
  const pairs = new Set<[Socket, Socket]>();
  const held = new Set<Socket>();
  let mode: 'open' | 'blackhole' | 'refused' = 'open';
  let acceptDelayMs = 0;
  let server: Server;

  const accept = (client: Socket): void => {
    client.on('error', () => undefined);
    if (mode === 'blackhole') {
      held.add(client);
      client.on('close', () => held.delete(client));
      return;
    }
    if (acceptDelayMs > 0) {
      // What the client sends meanwhile waits in its socket's buffer.
      client.pause();
      held.add(client);
      const timer = setTimeout(() => {
        held.delete(client);
        forward(client);
      }, acceptDelayMs);
      client.on('close', () => {
        clearTimeout(timer);
        held.delete(client);
      });
      return;
    }
    forward(client);
  };

  const forward = (client: Socket): void => {
    if (client.destroyed) return;
    const upstream = connect(target);
    upstream.on('error', () => client.destroy());
    client.on('error', () => upstream.destroy());
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const forget = (): void => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    client.on('close', forget);
    upstream.on('close', forget);
    client.pipe(upstream);
    upstream.pipe(client);
  };

  const listen = async (on: number): Promise<number> => {
    server = createServer(accept);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(on, '127.0.0.1', () => resolve());
    });
    return (server.address() as AddressInfo).port;
  };
  const stopListening = (): Promise<void> => new Promise((resolve) => server.close(() => resolve()));
  const cut = (): void => {
    for (const [client, upstream] of pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
    for (const socket of held) socket.resetAndDestroy();
    held.clear();
  };

  const bound = await listen(port);
  return {
    port: bound,
    via(url) {
      const parsed = new URL(url);
      parsed.hostname = '127.0.0.1';
      parsed.port = String(bound);
      return parsed.toString().replace(/\/$/, '');
    },
    get openConnections() {
      return pairs.size;
    },
    cut,
    async refuse() {
      mode = 'refused';
      cut();
      await stopListening();
    },
    blackhole() {
      mode = 'blackhole';
      cut();
    },
    slowAccept(ms) {
      acceptDelayMs = ms;
    },
    async restore() {
      if (mode === 'refused') await listen(bound);
      mode = 'open';
      acceptDelayMs = 0;
    },
    async close() {
      cut();
      if (mode !== 'refused') await stopListening();
    },
  };
}
