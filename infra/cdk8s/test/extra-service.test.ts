import { describe, expect, it } from 'vitest';
import { type Catalog, type ServiceSpec, catalog } from '../src/catalog.js';
import { analyze } from '../src/analyze/analyze.js';
import { synthObjects } from './support/shop.js';
import { validateObject } from './support/schema-validator.js';
import { podSpecOf, restrictedViolations } from './support/pod-security.js';

/** The README's example: one new catalog entry, nothing else. */
const reviews: ServiceSpec = {
  name: 'reviews',
  port: 3018,
  replicas: 1,
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
    const oldJob = before.find((o) => o.kind === 'Job')!.metadata.name;
    const newJob = after.find((o) => o.kind === 'Job')!.metadata.name;
    expect(newJob).not.toBe(oldJob);
    expect(newJob).toMatch(/^postgres-init-[0-9a-f]{8}$/);
    expect(synthObjects().find((o) => o.kind === 'Job')!.metadata.name).toBe(oldJob);
    expect(added.map((o) => `${o.kind}/${o.metadata.name}`).sort()).toEqual([
      'AuthorizationPolicy/reviews',
      'Deployment/reviews',
      'DestinationRule/reviews',
      `Job/${after.find((o) => o.kind === 'Job')!.metadata.name}`,
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
    const job = after.find((o) => o.kind === 'Job')!;
    expect(JSON.stringify(job.spec)).toContain('reviews-db');
    const postgresPolicy = after.find((o) => o.kind === 'AuthorizationPolicy' && o.metadata.name === 'postgres')!;
    expect(JSON.stringify(postgresPolicy.spec)).toContain('cluster.local/ns/shop/sa/reviews');
  });

  it('validates, meets PSS restricted and passes analyze', async () => {
    for (const o of added) expect(await validateObject(o)).toEqual([]);
    const deployment = added.find((o) => o.kind === 'Deployment')!;
    expect(restrictedViolations(podSpecOf(deployment)!)).toEqual([]);
    expect(analyze(after).findings).toEqual([]);
  });
});
