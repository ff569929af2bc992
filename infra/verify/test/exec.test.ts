import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Cluster } from '../src/cluster.js';

/**
 * @models the API server's pods/exec websocket (v4.channel.k8s.io)
 *
 * A stand-in for the API server's exec endpoint speaking the channel.k8s.io websocket protocol:
 * a first byte per frame names the stream (1 stdout, 2 stderr, 3 status). It answers according
 * to the command it is asked to run, and records the query the client sent.
 */
const requests: URL[] = [];
const server: Server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, handleProtocols: () => 'v4.channel.k8s.io' });
wss.on('connection', (socket, req) => {
  const url = new URL(req.url ?? '/', 'http://api');
  requests.push(url);
  const frame = (channel: number, text: string): void =>
    socket.send(Buffer.concat([Buffer.from([channel]), Buffer.from(text)]));
  const command = url.searchParams.getAll('command');
  if (command.includes('fail')) {
    frame(2, 'no such thing\n');
    frame(
      3,
      JSON.stringify({
        status: 'Failure',
        reason: 'NonZeroExitCode',
        details: { causes: [{ reason: 'ExitCode', message: '7' }] },
      }),
    );
  } else if (command.includes('vanish')) {
    // closes without a status frame, as when the kubelet connection drops
  } else {
    frame(1, 'cluster.outbound|3002||payments.shop.svc.cluster.local.upstream_rq_retry: 3\n');
    frame(3, JSON.stringify({ metadata: {}, status: 'Success' }));
  }
  socket.close();
});

let cluster: Cluster;
beforeAll(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'fake', server: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, skipTLSVerify: true },
    ],
    users: [{ name: 'verify', token: 'test' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'verify' }],
    currentContext: 'fake',
  });
  cluster = new Cluster(kc);
});
afterAll(async () => {
  wss.close();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('exec through the API server', () => {
  it('runs the command in the named container and collects stdout', async () => {
    const stats = await cluster.proxyAdmin('shop', 'orders-a', 'stats');
    expect(stats).toContain('upstream_rq_retry: 3');
    const url = requests.at(-1);
    expect(url?.pathname).toBe('/api/v1/namespaces/shop/pods/orders-a/exec');
    expect(url?.searchParams.get('container')).toBe('istio-proxy');
    expect(url?.searchParams.getAll('command')).toEqual(['pilot-agent', 'request', 'GET', 'stats']);
  });

  it('reports the exit code and stderr of a failing command', async () => {
    await expect(cluster.exec('shop', 'orders-a', 'orders', ['fail'])).resolves.toEqual({
      stdout: '',
      stderr: 'no such thing\n',
      exitCode: 7,
    });
  });

  it('fails instead of hanging when the session closes without a status', async () => {
    const result = await cluster.exec('shop', 'orders-a', 'orders', ['vanish']);
    expect(result).toEqual({ stdout: '', stderr: 'exec closed without an exit status', exitCode: 1 });
  });
});
