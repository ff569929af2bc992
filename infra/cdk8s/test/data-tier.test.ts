import { App } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { addShopCharts } from '../src/charts/shop-app.js';
import { TIER_LABEL } from '../src/mesh-names.js';
import { fixtureJwksByIssuer, ofKind, synthObjects, type KubeObject } from './support/shop.js';

const withRevision = (credentialsRevision: string): KubeObject[] => {
  const app = new App({ outdir: '/nonexistent' });
  addShopCharts(app, {
    catalog,
    imageRegistry: 'mesh-kit',
    imageTag: '0.1.0',
    jwks: fixtureJwksByIssuer,
    credentialsRevision,
  });
  return app.charts.flatMap((chart) => chart.toJson() as KubeObject[]);
};
const jobName = (objects: KubeObject[]): string =>
  ofKind(objects, 'Job').find((job) => job.metadata.name.startsWith('postgres-init-'))?.metadata.name ?? 'none';

describe('the data tier', () => {
  it('is labelled, so scripts/apply.sh can apply and wait for it before the services', () => {
    const tier = synthObjects().filter((object) => object.metadata.labels?.[TIER_LABEL] === 'data');
    const workloads = tier
      .filter((o) => ['StatefulSet', 'Job'].includes(o.kind))
      .map((o) => `${o.kind}/${o.metadata.name}`);
    expect(workloads).toEqual([
      'StatefulSet/postgres',
      'StatefulSet/nats',
      expect.stringMatching(/^Job\/broker-bootstrap-[0-9a-f]{8}-[0-9a-f]{8}$/),
      expect.stringMatching(/^Job\/postgres-init-[0-9a-f]{8}$/),
    ]);
    expect(ofKind(tier, 'Deployment')).toEqual([]);
  });

  it('re-runs the database init Job when the credentials change, naming only their digest', () => {
    const a = 'a'.repeat(64);
    const b = 'b'.repeat(64);
    expect(jobName(withRevision(a))).toBe(jobName(withRevision(a)));
    expect(jobName(withRevision(a))).not.toBe(jobName(withRevision(b)));
    expect(JSON.stringify(withRevision(a))).not.toContain(a);
  });

  it('fails a database init Job after two retries instead of retrying for minutes', () => {
    const spec = ofKind(synthObjects(), 'Job').find((job) => job.metadata.name.startsWith('postgres-init-'))?.spec as {
      backoffLimit: number;
      template: { spec: { restartPolicy: string } };
    };
    expect(spec.backoffLimit).toBe(2);
    expect(spec.template.spec.restartPolicy).toBe('Never');
  });
});
