import { App, Chart } from 'cdk8s';
import { describe, expect, it } from 'vitest';
import { catalog, findService } from '@mesh-kit/catalog';
import { analyze } from '../src/analyze/analyze.js';
import { formatReport } from '../src/analyze/report.js';
import { ServiceAutoscaler } from '../src/constructs/service-autoscaler.js';
import { find, ofKind, synthObjects } from './support/shop.js';
import { validateObject } from './support/schema-validator.js';

const objects = synthObjects();
const autoscaled = catalog.services.filter((s) => s.autoscaling !== undefined);

interface HpaSpec {
  scaleTargetRef: { apiVersion: string; kind: string; name: string };
  minReplicas: number;
  maxReplicas: number;
  metrics: { type: string; resource: { name: string; target: { type: string; averageUtilization: number } } }[];
}

describe('autoscaling from the catalog', () => {
  it('every service but loadgen autoscales; loadgen says why not', () => {
    expect(catalog.services.filter((s) => s.autoscaling === undefined).map((s) => s.name)).toEqual(['loadgen']);
    expect(findService('loadgen').fixedReplicasReason).toMatch(/multiply/);
    expect(ofKind(objects, 'HorizontalPodAutoscaler').map((h) => h.metadata.name)).toEqual(
      autoscaled.map((s) => s.name),
    );
  });

  it.each(autoscaled.map((s) => [s.name, s] as const))(
    '%s: an autoscaling/v2 HPA on CPU for its Deployment, which leaves the count to it; the PDB follows the minimum',
    async (name, spec) => {
      const hpa = find(objects, 'HorizontalPodAutoscaler', name);
      expect(hpa.apiVersion).toBe('autoscaling/v2');
      expect(await validateObject(hpa)).toEqual([]);
      const hs = hpa.spec as unknown as HpaSpec;
      expect(hs.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name });
      expect([hs.minReplicas, hs.maxReplicas]).toEqual([spec.autoscaling!.minReplicas, spec.autoscaling!.maxReplicas]);
      expect(hs.metrics).toEqual([
        {
          type: 'Resource',
          resource: {
            name: 'cpu',
            target: { type: 'Utilization', averageUtilization: spec.autoscaling!.cpuTargetPercent },
          },
        },
      ]);
      const deployment = find(objects, 'Deployment', name);
      expect((deployment.spec as { replicas?: number }).replicas).toBeUndefined();
      const pdb = find(objects, 'PodDisruptionBudget', name).spec as { minAvailable?: number; maxUnavailable?: number };
      // Evictions leave at least one pod while the autoscaler keeps two or more.
      expect(pdb.minAvailable).toBe(spec.autoscaling!.minReplicas > 1 ? 1 : undefined);
      expect(pdb.minAvailable ?? 0).toBeLessThan(spec.autoscaling!.minReplicas);
    },
  );

  it('a service without autoscaling keeps its fixed replicas and has no HPA', () => {
    expect((find(objects, 'Deployment', 'loadgen').spec as { replicas?: number }).replicas).toBe(1);
    expect(ofKind(objects, 'HorizontalPodAutoscaler').some((h) => h.metadata.name === 'loadgen')).toBe(false);
  });

  it('a canary v2 gets its own HPA from its replicas up to the same maximum', () => {
    const canary = synthObjects({
      ...catalog,
      traffic: { releases: { storefront: { stage: 'canary', weightPercent: 10 } }, mirrors: {} },
    });
    const hs = find(canary, 'HorizontalPodAutoscaler', 'storefront-v2').spec as unknown as HpaSpec;
    expect([hs.scaleTargetRef.name, hs.minReplicas, hs.maxReplicas]).toEqual(['storefront-v2', 1, 4]);
  });

  it('analyze holds the minimum to the budget and reports the maximum', () => {
    const a = analyze(objects);
    expect(a.findings).toEqual([]);
    const fixed = catalog.services.reduce((n, s) => n + (s.autoscaling?.minReplicas ?? s.replicas), 0);
    const most = catalog.services.reduce((n, s) => n + (s.autoscaling?.maxReplicas ?? s.replicas), 0);
    // + the data tier (postgres, nats), one pod each
    expect(a.totals.pods).toBe(fixed + 2);
    expect(a.totalsAtMax.pods).toBe(most + 2);
    expect(a.totalsAtMax.cpuMilli).toBeGreaterThan(a.totals.cpuMilli);
    expect(formatReport(a)).toContain(`At the autoscalers' maximum (${most + 2} pods): CPU ${a.totalsAtMax.cpuMilli}m`);
  });

  it('refuses bounds that cannot work, quoting them', () => {
    const chart = new Chart(new App(), 'c');
    const props = { deploymentName: 'x', namespace: 'shop', labels: {}, cpuTargetPercent: 70 };
    expect(() => new ServiceAutoscaler(chart, 'a', { ...props, minReplicas: 3, maxReplicas: 2 })).toThrow(
      'x: autoscaling needs whole numbers 1 ≤ minReplicas ≤ maxReplicas, got 3..2',
    );
    expect(
      () => new ServiceAutoscaler(chart, 'b', { ...props, minReplicas: 1, maxReplicas: 2, cpuTargetPercent: 0 }),
    ).toThrow(/cpuTargetPercent must be a whole number from 1 to 100, got 0/);
  });
});
