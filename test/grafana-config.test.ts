import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configureGrafana, DASHBOARDS_CONFIGMAP, readDashboards } from '../scripts/grafana-config.js';
import { grafanaSample } from './support/istio-release.js';

const root = fileURLToPath(new URL('..', import.meta.url));
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects, read field by field
type KubeObject = any;

const objects = (yaml: string): KubeObject[] => parseAllDocuments(yaml).map((doc) => doc.toJS() as KubeObject);
const find = (all: KubeObject[], kind: string, name: string): KubeObject =>
  all.find((o) => o.kind === kind && o.metadata.name === name);

describe('the Grafana addon, given the kit dashboards by scripts/grafana-config.ts', () => {
  const sample = grafanaSample('12.0.1');
  const dashboards = readDashboards(join(root, 'mesh', 'grafana'));
  const out = objects(configureGrafana(sample, dashboards));

  it('holds mesh/grafana/*.json in a ConfigMap of the addon namespace, as they are in the repository', () => {
    expect(Object.keys(dashboards)).toContain('shop.json');
    const configMap = find(out, 'ConfigMap', DASHBOARDS_CONFIGMAP);
    expect(configMap.metadata.namespace).toBe('istio-system');
    expect(configMap.data['shop.json']).toBe(readFileSync(join(root, 'mesh', 'grafana', 'shop.json'), 'utf8'));
  });

  it('mounts it beside the addon dashboards and lists it as a file provider there', () => {
    const providers = parse(find(out, 'ConfigMap', 'grafana').data['dashboardproviders.yaml']).providers;
    expect(providers.map((p: KubeObject) => p.name)).toEqual(['istio', 'mesh-kit']);
    expect(providers[1]).toEqual({
      name: 'mesh-kit',
      folder: 'mesh-kit',
      orgId: 1,
      type: 'file',
      disableDeletion: false,
      options: { path: '/var/lib/grafana/dashboards/mesh-kit' },
    });
    const pod = find(out, 'Deployment', 'grafana').spec.template.spec;
    expect(pod.volumes).toContainEqual({ name: 'dashboards-mesh-kit', configMap: { name: DASHBOARDS_CONFIGMAP } });
    expect(pod.containers[0].volumeMounts).toContainEqual({
      name: 'dashboards-mesh-kit',
      mountPath: '/var/lib/grafana/dashboards/mesh-kit',
    });
    expect(find(out, 'ConfigMap', 'istio-grafana-dashboards')).toEqual(
      find(objects(sample), 'ConfigMap', 'istio-grafana-dashboards'),
    );
  });

  it('rolls Grafana out when the providers change, and is the same on a second run', () => {
    const checksum = (all: KubeObject[]): unknown =>
      find(all, 'Deployment', 'grafana').spec.template.metadata.annotations['checksum/config'];
    expect(checksum(out)).not.toBe('sample');
    expect(configureGrafana(sample, dashboards)).toBe(configureGrafana(sample, dashboards));
  });

  it('says which file lacks what it edits', () => {
    expect(() => configureGrafana('kind: Service\nmetadata:\n  name: grafana\n', dashboards, 'x/grafana.yaml')).toThrow(
      "x/grafana.yaml: no ConfigMap 'grafana' with data dashboardproviders.yaml",
    );
    const noDeployment = sample.split('---')[0]!;
    expect(() => configureGrafana(noDeployment, dashboards, 'x/grafana.yaml')).toThrow(
      "x/grafana.yaml: no Deployment 'grafana' with a container 'grafana'",
    );
  });
});
