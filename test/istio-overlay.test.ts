import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { mergeTrees } from '../scripts/kiali-config.js';

/**
 * @models istioctl's merge of several `-f` IstioOperator files
 *
 * istioctl merges the -f files of an install map by map and replaces lists whole (mergeTrees does
 * the same): operator/pkg/render/manifest.go @ 1.30.3 (MergeInputs: each file in order, then the
 * profile beneath) and operator/pkg/values/map.go @ 1.30.3 (Map.MergeFrom: maps merge key by key,
 * anything else, lists included, is replaced). So a list in the kind overlay must carry every field
 * of the entry it replaces in the base install. Not modelled: the profile and cluster-detected
 * settings beneath, --set flags, translation to Helm values, validation.
 */
const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string): Record<string, unknown> =>
  parse(readFileSync(join(root, 'mesh', 'istio', file), 'utf8')) as Record<string, unknown>;

type Leaf = readonly [path: string, value: unknown];

/** Every leaf of a tree with its path; list entries are keyed by their `name` when they have one. */
function leaves(value: unknown, path = ''): Leaf[] {
  if (Array.isArray(value)) {
    return value.flatMap((item, index) => {
      const key = typeof (item as { name?: unknown })?.name === 'string' ? (item as { name: string }).name : index;
      return leaves(item, `${path}[${key}]`);
    });
  }
  if (typeof value === 'object' && value !== null) {
    return Object.entries(value).flatMap(([key, item]) => leaves(item, path === '' ? key : `${path}.${key}`));
  }
  return [[path, value]];
}

describe('the kind overlay merged over the base install, as istioctl merges them', () => {
  const base = read('istio-operator.yaml');
  const overlay = read('kind-overlay.yaml');
  const merged = mergeTrees(base, overlay);

  it('keeps every setting of the base install', () => {
    const kept = new Map(leaves(merged));
    const lost = leaves(base).filter(([path]) => !kept.has(path));
    expect(lost).toEqual([]);
  });

  it('keeps the ingress gateway resources and makes its Service a NodePort', () => {
    const gateway = leaves(merged).filter(([path]) =>
      path.startsWith('spec.components.ingressGateways[istio-ingressgateway]'),
    );
    const at = (suffix: string): unknown => gateway.find(([path]) => path.endsWith(suffix))?.[1];
    expect(at('.k8s.resources.requests.cpu')).toBe('50m');
    expect(at('.k8s.resources.requests.memory')).toBe('64Mi');
    expect(at('.k8s.service.type')).toBe('NodePort');
  });
});
