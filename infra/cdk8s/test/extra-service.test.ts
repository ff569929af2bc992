import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type Catalog, type ServiceSpec, catalog } from '@mesh-kit/catalog';
import { analyze } from '../src/analyze/analyze.js';
import { synthObjects } from './support/shop.js';
import { validateObject } from './support/schema-validator.js';
import { podSpecOf, restrictedViolations } from './support/pod-security.js';

/** The example entry of docs/architecture.md ("A catalog entry"): one new catalog entry, nothing else. */
const reviews: ServiceSpec = {
  name: 'reviews',
  port: 3018,
  replicas: 1,
  autoscaling: { minReplicas: 1, maxReplicas: 2, cpuTargetPercent: 70 },
  resources: { cpuRequestMilli: 20, cpuLimitMilli: 200, memoryRequestMi: 48, memoryLimitMi: 128 },
  database: 'reviews',
  routes: [
    {
      method: 'GET',
      path: '/reviews/:sku',
      idempotent: true,
      timeoutMs: 1_000,
      retries: { attempts: 2, perTryTimeoutMs: 300, retryOn: 'connect-failure,refused-stream,5xx' },
    },
  ],
  calls: [],
  publishes: [],
  consumes: [],
  gateway: [{ prefix: '/api/reviews', rewrite: '/reviews' }],
  sidecar: { cpuRequestMilli: 10, cpuLimitMilli: 200, memoryRequestMi: 32, memoryLimitMi: 96 },
};
const extended: Catalog = { ...catalog, services: [...catalog.services, reviews] };

/** A value written as the docs write TypeScript literals: `{ a: 1, b: 'x' }`, `[…]`. */
function literal(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(literal).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${literal(v)}`)
      .join(', ')} }`;
  }
  return String(value);
}

describe('the example entry of docs/architecture.md', () => {
  it('is the entry this file adds', () => {
    const doc = readFileSync(new URL('../../../docs/architecture.md', import.meta.url), 'utf8');
    const section = doc.slice(doc.indexOf('## A catalog entry'));
    const block = /```ts\n([\s\S]*?)```/.exec(section)?.[1]?.replace(/(\d)_(\d)/g, '$1$2') ?? '';
    const route = reviews.routes[0]!;
    for (const field of [
      `name: ${literal(reviews.name)}`,
      `port: ${literal(reviews.port)}`,
      `replicas: ${literal(reviews.replicas)}`,
      `autoscaling: ${literal(reviews.autoscaling)}`,
      `resources: ${literal(reviews.resources)}`,
      `database: ${literal(reviews.database)}`,
      `method: ${literal(route.method)}`,
      `path: ${literal(route.path)}`,
      `timeoutMs: ${literal(route.timeoutMs)}`,
      `retries: ${literal(route.retries)}`,
      `gateway: ${literal(reviews.gateway)}`,
    ]) {
      expect(block, 'update the example in docs/architecture.md').toContain(field);
    }
  });
});

describe('adding a service is one catalog entry', () => {
  const before = synthObjects();
  const after = synthObjects(extended);
  const added = after.filter(
    (o) =>
      !before.some(
        (b) =>
          b.kind === o.kind && b.metadata.name === o.metadata.name && b.metadata.namespace === o.metadata.namespace,
      ),
  );

  it('gets its full set of objects, and a new database init Job (a Job cannot be updated in place)', () => {
    const oldJob = before.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('postgres-init-'))!.metadata.name;
    const newJob = after.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('postgres-init-'))!.metadata.name;
    expect(newJob).not.toBe(oldJob);
    expect(newJob).toMatch(/^postgres-init-[0-9a-f]{8}$/);
    expect(
      synthObjects().find((o) => o.kind === 'Job' && o.metadata.name.startsWith('postgres-init-'))!.metadata.name,
    ).toBe(oldJob);
    expect(added.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy/reviews',
      'Deployment/reviews',
      'DestinationRule/reviews',
      'HorizontalPodAutoscaler/reviews',
      `Job/${after.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('postgres-init-'))!.metadata.name}`,
      'NetworkPolicy/reviews',
      'PodDisruptionBudget/reviews',
      'Service/reviews',
      'ServiceAccount/reviews',
      'Sidecar/reviews',
      'VirtualService/reviews',
    ]);
  });

  it('is wired into the gateway, the database init and the data policy', () => {
    const ingress = after.find((o) => o.kind === 'VirtualService' && o.metadata.name === 'shop-ingress')!;
    expect(JSON.stringify(ingress.spec)).toContain('^/api/reviews/[^/]+$');
    const job = after.find((o) => o.kind === 'Job' && o.metadata.name.startsWith('postgres-init-'))!;
    expect(JSON.stringify(job.spec)).toContain('reviews-db');
    const postgresPolicy = after.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'postgres')!;
    expect(JSON.stringify(postgresPolicy.spec)).toContain('cluster.local/ns/shop/sa/reviews');
    const postgresNetwork = after.find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'postgres')!;
    expect(JSON.stringify(postgresNetwork.spec)).toContain('{"podSelector":{"matchLabels":{"app":"reviews"}}}');
  });

  it('validates, meets PSS restricted and passes analyze', async () => {
    for (const o of added) expect(await validateObject(o)).toEqual([]);
    const deployment = added.find((o) => o.kind === 'Deployment')!;
    expect(restrictedViolations(podSpecOf(deployment)!)).toEqual([]);
    expect(analyze(after).findings).toEqual([]);
  });
});
