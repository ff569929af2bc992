import { describe, expect, it } from 'vitest';
import { find, synthObjects } from './support/shop.js';
import { validateObject } from './support/schema-validator.js';

const objects = synthObjects();
const clone = <T>(value: T): T => structuredClone(value);

describe('upstream schemas', () => {
  it.each(objects.map((o) => [`${o.kind} ${o.metadata.namespace ?? ''}/${o.metadata.name}`, o] as const))(
    '%s validates strictly',
    async (_name, object) => {
      expect(await validateObject(object)).toEqual([]);
    },
  );

  it('rejects a misspelled Istio field (retries.attemps)', async () => {
    const vs = clone(find(objects, 'VirtualService', 'orders'));
    const route = (vs.spec as { http: { retries: Record<string, unknown> }[] }).http[0]!;
    route.retries = { attemps: 1, perTryTimeout: '1s', retryOn: '5xx' };
    const problems = await validateObject(vs);
    expect(problems.join('\n')).toMatch(/\/spec\/http\/0\/retries\/attemps: must NOT have additional properties/);
  });

  it('rejects a misspelled field in the EnvoyFilter and a wrong enum value', async () => {
    const filter = clone(find(objects, 'EnvoyFilter', 'shop-local-ratelimit'));
    const patch = (filter.spec as { configPatches: Record<string, unknown>[] }).configPatches[0]!;
    patch.aplyTo = patch.applyTo;
    (patch.patch as Record<string, unknown>).operation = 'INSERT_SOMEWHERE';
    const problems = (await validateObject(filter)).join('\n');
    expect(problems).toMatch(/configPatches\/0\/aplyTo/);
    expect(problems).toMatch(/configPatches\/0\/patch\/operation: must be equal to one of the allowed values/);
  });

  it('rejects a misspelled Kubernetes field and a wrong type', async () => {
    const deployment = clone(find(objects, 'Deployment', 'users'));
    const pod = (deployment.spec as { template: { spec: Record<string, unknown> } }).template.spec;
    pod.securityContxt = pod.securityContext;
    (deployment.spec as Record<string, unknown>).replicas = 'two';
    const problems = (await validateObject(deployment)).join('\n');
    expect(problems).toMatch(/\/spec\/template\/spec\/securityContxt: unknown field/);
    expect(problems).toMatch(/\/spec\/replicas: type \{"type":"integer"\}/);
  });

  it('rejects an unknown metadata field on an Istio object', async () => {
    const sidecar = clone(find(objects, 'Sidecar', 'users'));
    (sidecar.metadata as Record<string, unknown>).lables = { a: 'b' };
    expect((await validateObject(sidecar)).join('\n')).toMatch(/\/metadata\/lables: unknown field/);
  });

  it('uses networking.istio.io/v1 throughout (EnvoyFilter exists only as v1alpha3)', () => {
    const versions = new Set(
      objects.filter((o) => o.apiVersion.includes('istio.io')).map((o) => `${o.apiVersion} ${o.kind}`),
    );
    for (const v of versions) expect(v).toMatch(/\/v1 |^networking\.istio\.io\/v1alpha3 EnvoyFilter$/);
  });
});
