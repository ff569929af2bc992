/**
 * `node --import tsx scripts/grafana-config.ts <samples/addons/grafana.yaml> <dashboards dir>`:
 * prints the addon with the kit's dashboards (every *.json in the folder, e.g. mesh/grafana/) added
 * the way the addon provisions its own. Istio 1.30.3's samples/addons/grafana.yaml keeps each
 * folder of dashboards in a ConfigMap (`istio-grafana-dashboards`, `istio-services-grafana-dashboards`),
 * mounts it under /var/lib/grafana/dashboards/<folder> and lists that path as a `file` provider in
 * the `grafana` ConfigMap's dashboardproviders.yaml. This adds the same for a `mesh-kit` folder:
 * a ConfigMap `mesh-kit-grafana-dashboards`, its volume and mount in the Deployment, and the
 * provider; the Deployment's `checksum/config` follows the changed provider list, so Grafana rolls
 * out once. Later dashboard changes reach Grafana without a restart: the kubelet refreshes a
 * mounted ConfigMap and the file provider rescans its folder. scripts/addons.sh applies the result
 * instead of the sample.
 */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The folder, provider and volume names, and the ConfigMap that holds the dashboards. */
export const FOLDER = 'mesh-kit';
export const DASHBOARDS_CONFIGMAP = 'mesh-kit-grafana-dashboards';
const VOLUME = 'dashboards-mesh-kit';

/** `addonYaml` with `dashboards` (file name → JSON text) provisioned into the `mesh-kit` folder. */
export function configureGrafana(
  addonYaml: string,
  dashboards: Readonly<Record<string, string>>,
  source = 'grafana.yaml',
): string {
  const objects = parseAllDocuments(addonYaml)
    .map((doc) => doc.toJS() as unknown)
    .filter(isTree);
  const named = (kind: string, name: string): Tree | undefined =>
    objects.find((o) => o['kind'] === kind && isTree(o['metadata']) && o['metadata']['name'] === name);

  const config = named('ConfigMap', 'grafana');
  const data = config?.['data'];
  if (!isTree(data) || typeof data['dashboardproviders.yaml'] !== 'string') {
    throw new Error(`${source}: no ConfigMap 'grafana' with data dashboardproviders.yaml`);
  }
  const providers = parse(data['dashboardproviders.yaml']) as unknown;
  const existing = isTree(providers) ? list(providers['providers']).filter(isTree) : [];
  const firstPath = existing.map((p) => (isTree(p['options']) ? p['options']['path'] : undefined)).find(Boolean);
  if (!isTree(providers) || typeof firstPath !== 'string') {
    throw new Error(`${source}: dashboardproviders.yaml lists no file provider with options.path`);
  }
  const path = posix.join(posix.dirname(firstPath), FOLDER);
  providers['providers'] = [
    ...existing.filter((p) => p['name'] !== FOLDER),
    { name: FOLDER, folder: FOLDER, orgId: 1, type: 'file', disableDeletion: false, options: { path } },
  ];
  data['dashboardproviders.yaml'] = stringify(providers);

  const deployment = named('Deployment', 'grafana');
  const spec = deployment?.['spec'];
  const template = isTree(spec) ? spec['template'] : undefined;
  const pod = isTree(template) ? template['spec'] : undefined;
  const container = isTree(pod)
    ? list(pod['containers'])
        .filter(isTree)
        .find((c) => c['name'] === 'grafana')
    : undefined;
  if (!isTree(template) || !isTree(pod) || container === undefined) {
    throw new Error(`${source}: no Deployment 'grafana' with a container 'grafana'`);
  }
  pod['volumes'] = [
    ...list(pod['volumes']).filter((v) => !isTree(v) || v['name'] !== VOLUME),
    { name: VOLUME, configMap: { name: DASHBOARDS_CONFIGMAP } },
  ];
  container['volumeMounts'] = [
    ...list(container['volumeMounts']).filter((m) => !isTree(m) || m['name'] !== VOLUME),
    { name: VOLUME, mountPath: path },
  ];
  const metadata = isTree(template['metadata']) ? template['metadata'] : (template['metadata'] = {});
  const annotations = isTree(metadata['annotations']) ? metadata['annotations'] : (metadata['annotations'] = {});
  annotations['checksum/config'] = createHash('sha256').update(stringify(data)).digest('hex');

  const namespace = isTree(config?.['metadata']) ? config['metadata']['namespace'] : undefined;
  const configMap: Tree = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: { name: DASHBOARDS_CONFIGMAP, ...(typeof namespace === 'string' ? { namespace } : {}) },
    data: { ...dashboards },
  };
  return [...objects.filter((o) => o !== named('ConfigMap', DASHBOARDS_CONFIGMAP)), configMap]
    .map((object) => stringify(object))
    .join('---\n');
}

/** Every *.json file of `dir`, by file name, in name order. */
export function readDashboards(dir: string): Record<string, string> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  if (files.length === 0) throw new Error(`${dir}: no dashboards (*.json)`);
  return Object.fromEntries(files.map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [addon, dir] = process.argv.slice(2);
  if (addon === undefined || dir === undefined) {
    console.error('usage: grafana-config.ts <samples/addons/grafana.yaml> <dashboards dir>');
    process.exit(2);
  }
  try {
    process.stdout.write(configureGrafana(readFileSync(addon, 'utf8'), readDashboards(dir), addon));
  } catch (error) {
    console.error(`grafana-config: ${(error as Error).message}`);
    process.exit(1);
  }
}
