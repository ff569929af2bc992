import { createServer, type Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocketServer } from 'ws';
import { Cluster } from '../src/cluster.js';

/**
 * @models the API server's pods/portforward websocket (v4.channel.k8s.io)
 *
 * A stand-in API server: serves a Service and its pods, and bridges `pods/…/portforward`
 * websockets (channel.k8s.io framing: stream byte, then the port number first on each stream)
 * to a local HTTP server playing the pod.
 */
let podServer: Server;
let podPort = 0;
const forwarded: string[] = [];

const api: Server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://api');
  const json = (status: number, body: unknown): void => {
    res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
  };
  if (url.pathname === '/api/v1/namespaces/istio-system/services/tracing') {
    return json(200, {
      kind: 'Service',
      metadata: { name: 'tracing', namespace: 'istio-system' },
      spec: { selector: { app: 'jaeger' }, ports: [{ name: 'http-query', port: 80, targetPort: 'query' }] },
    });
  }
  if (
    url.pathname === '/api/v1/namespaces/istio-system/pods' &&
    url.searchParams.get('labelSelector') === 'app=jaeger'
  ) {
    return json(200, {
      kind: 'PodList',
      items: [
        { metadata: { name: 'jaeger-old' }, spec: { containers: [{ name: 'jaeger' }] }, status: { phase: 'Failed' } },
        {
          metadata: { name: 'jaeger-1' },
          spec: { containers: [{ name: 'jaeger', ports: [{ name: 'query', containerPort: 16686 }] }] },
          status: { phase: 'Running' },
        },
      ],
    });
  }
  json(404, { kind: 'Status', code: 404 });
});

const wss = new WebSocketServer({ server: api, handleProtocols: () => 'v4.channel.k8s.io' });
wss.on('connection', (socket, req) => {
  const url = new URL(req.url ?? '/', 'http://api');
  forwarded.push(`${url.pathname}?ports=${url.searchParams.get('ports') ?? ''}`);
  const port = Buffer.alloc(2);
  port.writeUInt16LE(Number(url.searchParams.get('ports')));
  socket.send(Buffer.concat([Buffer.from([0]), port]));
  socket.send(Buffer.concat([Buffer.from([1]), port]));
  const pod = connect(podPort, '127.0.0.1');
  pod.on('data', (chunk) => socket.send(Buffer.concat([Buffer.from([0]), chunk])));
  pod.on('end', () => socket.close());
  socket.on('message', (data: Buffer) => {
    if (data[0] === 0 && data.length > 1) pod.write(data.subarray(1));
  });
  socket.on('close', () => pod.destroy());
});

let cluster: Cluster;
beforeAll(async () => {
  podServer = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ data: ['istio-ingressgateway.istio-system', req.url], errors: null }));
  });
  await new Promise<void>((resolve) => podServer.listen(0, '127.0.0.1', resolve));
  podPort = (podServer.address() as AddressInfo).port;
  await new Promise<void>((resolve) => api.listen(0, '127.0.0.1', resolve));
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      { name: 'fake', server: `http://127.0.0.1:${(api.address() as AddressInfo).port}`, skipTLSVerify: true },
    ],
    users: [{ name: 'verify', token: 'test' }],
    contexts: [{ name: 'fake', cluster: 'fake', user: 'verify' }],
    currentContext: 'fake',
  });
  cluster = new Cluster(kc);
});
afterAll(async () => {
  wss.close();
  api.closeAllConnections();
  podServer.closeAllConnections();
  await new Promise<void>((resolve) => api.close(() => resolve()));
  await new Promise<void>((resolve) => podServer.close(() => resolve()));
});

describe('port-forward to a Service', () => {
  it('binds 127.0.0.1, resolves the named target port on a running pod and carries HTTP both ways', async () => {
    const forward = await cluster.forwardService('istio-system', 'tracing', 80);
    try {
      expect(forward.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const response = await fetch(`${forward.url}/jaeger/api/services`);
      expect(await response.json()).toEqual({
        data: ['istio-ingressgateway.istio-system', '/jaeger/api/services'],
        errors: null,
      });
      expect(forwarded).toEqual(['/api/v1/namespaces/istio-system/pods/jaeger-1/portforward?ports=16686']);
    } finally {
      await forward.close(); // also with the client's keep-alive socket still open
    }
  });

  it('names the service and port it cannot forward to', async () => {
    await expect(cluster.forwardService('istio-system', 'tracing', 9411)).rejects.toThrow(
      'service istio-system/tracing has no port 9411',
    );
  });
});
