import { Agent, createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Lifecycle } from '../src/health.js';
import { handleShutdown } from '../src/shutdown.js';
import { silentLogger } from '../../../test-support/silent-logger.js';

describe('graceful shutdown', () => {
  it('drains keep-alive connections that stay busy: every answer after SIGTERM, also to a request at work, closes its connection', async () => {
    const server = createServer((_req, res) => void sleep(1_000).then(() => res.end('ok')));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const exits: number[] = [];
    const stop = handleShutdown({
      server,
      lifecycle: new Lifecycle(),
      logger: silentLogger(),
      timeoutMs: 3_000,
      exit: (code) => exits.push(code),
    });
    // Two clients that never leave their kept-alive connection idle.
    const agent = new Agent({ keepAlive: true, maxSockets: 2 });
    let running = true;
    const client = async (): Promise<void> => {
      while (running) {
        await new Promise<void>((resolve) => {
          const req = request({ port, host: '127.0.0.1', agent }, (res) => res.resume().on('end', resolve));
          req.on('error', () => resolve());
          req.end();
        });
      }
    };
    const clients = [client(), client()];
    await sleep(1_500);
    const started = Date.now();
    await stop();
    running = false;
    await Promise.all(clients);
    agent.destroy();
    expect(exits).toEqual([0]);
    expect(Date.now() - started).toBeLessThan(1_200);
  });
});
