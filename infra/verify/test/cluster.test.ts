import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Cluster } from '../src/cluster.js';
import { VerifyContext } from '../src/context.js';

/**
 * @models the Kubernetes API server's REST routes the cluster layer calls
 *
 * A stand-in for the Kubernetes API server with the few routes the cluster layer uses. It checks
 * what client-node 1.x actually sends (method, path, content type, patch body), which a typed
 * call alone does not prove.
 */
let rollsOut = false;
const patches: { contentType: string | undefined; body: unknown }[] = [];
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'payments', namespace: 'shop', generation: 4 },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: 'payments' } },
    template: {
      metadata: { labels: { app: 'payments', version: 'v1' } },
      spec: {
        containers: [
          {
            name: 'payments',
            image: 'mesh-kit/payments:0.1.0',
            env: [
              { name: 'PORT', value: '3002' },
              { name: 'PAYMENTS_FAILURE_RATE', value: '0' },
            ],
          },
        ],
      },
    },
  },
  status: { observedGeneration: 4, replicas: 2, updatedReplicas: 2, availableReplicas: 2 },
};
const pod = (name: string, phase: string, ready: boolean, deleting = false): object => ({
  metadata: { name, labels: { app: 'orders' }, ...(deleting ? { deletionTimestamp: '2026-11-26T10:00:00Z' } : {}) },
  spec: { containers: [{ name: 'orders' }] },
  status: { phase, conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
});

const server: Server = createServer((req, res) => {
  let text = '';
  req.on('data', (chunk: Buffer) => (text += chunk.toString()));
  req.on('end', () => {
    const url = new URL(req.url ?? '/', 'http://api');
    const json = (status: number, body: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    };
    if (url.pathname === '/api/v1/namespaces/shop') return json(200, { kind: 'Namespace', metadata: { name: 'shop' } });
    if (url.pathname.startsWith('/api/v1/namespaces/') && !url.pathname.includes('/pods')) {
      return json(404, { kind: 'Status', apiVersion: 'v1', status: 'Failure', reason: 'NotFound', code: 404 });
    }
    if (url.pathname === '/apis/apps/v1/namespaces/shop/deployments/payments') {
      if (req.method === 'PATCH') {
        patches.push({ contentType: req.headers['content-type'], body: JSON.parse(text) });
        deployment.metadata.generation += 1;
        // An instant controller: the new generation is rolled out as soon as it is observed.
        if (rollsOut) deployment.status.observedGeneration = deployment.metadata.generation;
      }
      return json(200, deployment);
    }
    if (url.pathname === '/api/v1/namespaces/shop/pods') {
      const byApp: Record<string, object[]> = {
        'app=orders': [
          pod('orders-a', 'Running', true),
          pod('orders-b', 'Running', false),
          pod('orders-c', 'Running', true, true),
        ],
        'app=payments': [pod('payments-a', 'Running', true), pod('payments-b', 'Running', true)],
      };
      return json(200, { kind: 'PodList', items: byApp[url.searchParams.get('labelSelector') ?? ''] ?? [] });
    }
    json(404, { kind: 'Status', code: 404 });
  });
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
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

describe('the cluster layer against a stand-in API server', () => {
  it('sets env with a strategic merge patch and returns the old values to restore', async () => {
    const previous = await cluster.setDeploymentEnv('shop', 'payments', {
      PAYMENTS_FAILURE_RATE: '0.3',
      PAYMENTS_EXTRA: undefined,
    });
    expect(previous).toEqual({ PAYMENTS_FAILURE_RATE: '0', PAYMENTS_EXTRA: undefined });
    expect(patches.at(-1)).toEqual({
      contentType: 'application/strategic-merge-patch+json',
      body: {
        spec: {
          template: {
            spec: {
              containers: [
                {
                  name: 'payments',
                  env: [
                    { name: 'PAYMENTS_FAILURE_RATE', value: '0.3' },
                    { name: 'PAYMENTS_EXTRA', $patch: 'delete' },
                  ],
                },
              ],
            },
          },
        },
      },
    });
  });

  it('waits for the rollout of the new generation and gives up with a message', async () => {
    deployment.status.observedGeneration = deployment.metadata.generation;
    await expect(cluster.waitForRollout('shop', 'payments', 5_000)).resolves.toBeUndefined();
    deployment.status.updatedReplicas = 1;
    await expect(cluster.waitForRollout('shop', 'payments', 500)).rejects.toThrow(
      'deployment shop/payments did not finish rolling out in 500 ms',
    );
    deployment.status.updatedReplicas = 2;
  });

  it('restores the old env after the body, also when the body throws', async () => {
    rollsOut = true;
    const ctx = new VerifyContext(cluster, 'shop', () => undefined);
    const before = patches.length;
    await expect(
      ctx.withDeploymentEnv('payments', { PAYMENTS_FAILURE_RATE: '1' }, () =>
        Promise.reject(new Error('probe failed')),
      ),
    ).rejects.toThrow('probe failed');
    const sent = patches.slice(before).map((p) => JSON.stringify(p.body));
    expect(sent).toHaveLength(2);
    expect(sent[0]).toContain('{"name":"PAYMENTS_FAILURE_RATE","value":"1"}');
    expect(sent[1]).toContain('{"name":"PAYMENTS_FAILURE_RATE","value":"0"}');
  });

  it('picks only running, ready pods that are not being deleted', async () => {
    const pods = await cluster.readyPods('shop', 'orders');
    expect(pods.map((p) => p.metadata?.name)).toEqual(['orders-a']);
  });

  it('preflight: passes for an existing namespace, names a missing one', async () => {
    await expect(cluster.preflight('shop')).resolves.toBeUndefined();
    await expect(cluster.preflight('nowhere')).rejects.toThrow(
      'namespace nowhere does not exist in context fake: run make deploy first',
    );
  });
});
