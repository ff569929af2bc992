import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP hop between one client and a server that can start losing what the client sends, as a
 * network does when a node dies with packets in flight: the client's writes succeed, nothing
 * arrives, no error is seen. Connections that lost data stay broken; new ones go through again.
 */
export interface LossyLink {
  /** The server's URL with the link's host and port. */
  readonly url: string;
  /** From now on, bytes the client sends are dropped. */
  loseTraffic(): void;
  /** Closes the connections that lost data (the client notices and reconnects); new ones go through. */
  restore(): void;
  /** Bytes the link dropped so far. */
  readonly dropped: number;
  close(): Promise<void>;
}

export async function startLossyLink(serverUrl: string): Promise<LossyLink> {
  const target = new URL(serverUrl);
  const sockets = new Set<Socket>();
  const lossy = new WeakSet<Socket>();
  let losing = false;
  let dropped = 0;

  const server = createServer((client) => {
    const upstream = createConnection({ host: target.hostname, port: Number(target.port) });
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.on('data', (chunk: Buffer) => {
      if (losing) lossy.add(client);
      if (lossy.has(client)) dropped += chunk.length;
      else upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => client.write(chunk));
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('the lossy link has no port');
  const url = new URL(serverUrl);
  url.hostname = '127.0.0.1';
  url.port = String(address.port);

  return {
    url: url.toString().replace(/\/$/, ''),
    loseTraffic() {
      losing = true;
    },
    restore() {
      losing = false;
      for (const s of sockets) if (lossy.has(s)) s.destroy();
    },
    get dropped() {
      return dropped;
    },
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
