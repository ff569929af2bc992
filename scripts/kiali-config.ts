/**
 * `node --import tsx scripts/kiali-config.ts <samples/addons/kiali.yaml> <settings.yaml>`: prints
 * the addon with the settings merged into its `kiali` ConfigMap (config.yaml, map by map) and the
 * Deployment's `checksum/config` annotation updated, so a changed config rolls Kiali out.
 * scripts/addons.sh applies the result instead of the sample.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments, stringify } from 'yaml';

type Tree = Record<string, unknown>;

const isTree = (value: unknown): value is Tree => typeof value === 'object' && value !== null && !Array.isArray(value);

/** `base` with `overlay` merged map by map; anything else in `overlay` replaces. */
export function mergeTrees(base: Tree, overlay: Tree): Tree {
  const out: Tree = { ...base };
  for (const [key, value] of Object.entries(overlay)) {
    const current = out[key];
    out[key] = isTree(current) && isTree(value) ? mergeTrees(current, value) : value;
  }
  return out;
}

export function configureKiali(addonYaml: string, settings: Tree, source = 'kiali.yaml'): string {
  const objects = parseAllDocuments(addonYaml)
    .map((doc) => doc.toJS() as unknown)
    .filter(isTree);
  const isNamed = (object: Tree, kind: string): boolean =>
    object['kind'] === kind && isTree(object['metadata']) && object['metadata']['name'] === 'kiali';
  const configMap = objects.find((object) => isNamed(object, 'ConfigMap'));
  const data = configMap?.['data'];
  if (configMap === undefined || !isTree(data) || typeof data['config.yaml'] !== 'string') {
    throw new Error(`${source}: no ConfigMap 'kiali' with data config.yaml`);
  }
  const config = parse(data['config.yaml']) as unknown;
  if (!isTree(config)) throw new Error(`${source}: ConfigMap 'kiali' config.yaml is not a map`);
  const merged = stringify(mergeTrees(config, settings));
  data['config.yaml'] = merged;
  const deployment = objects.find((object) => isNamed(object, 'Deployment'));
  const template = deployment?.['spec'];
  if (!isTree(template) || !isTree(template['template'])) {
    throw new Error(`${source}: no Deployment 'kiali' with a pod template`);
  }
  const pod = template['template'];
  const metadata = isTree(pod['metadata']) ? pod['metadata'] : (pod['metadata'] = {});
  const annotations = isTree(metadata['annotations']) ? metadata['annotations'] : (metadata['annotations'] = {});
  annotations['checksum/config'] = createHash('sha256').update(merged).digest('hex');
  return objects.map((object) => stringify(object)).join('---\n');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [addon, settingsFile] = process.argv.slice(2);
  if (addon === undefined || settingsFile === undefined) {
    console.error('usage: kiali-config.ts <samples/addons/kiali.yaml> <settings.yaml>');
    process.exit(2);
  }
  try {
    const settings = parse(readFileSync(settingsFile, 'utf8')) as unknown;
    if (!isTree(settings)) throw new Error(`${settingsFile}: not a map`);
    process.stdout.write(configureKiali(readFileSync(addon, 'utf8'), settings, addon));
  } catch (error) {
    console.error(`kiali-config: ${(error as Error).message}`);
    process.exit(1);
  }
}
