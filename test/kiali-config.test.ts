import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';
import { configureKiali } from '../scripts/kiali-config.js';
import { kialiSample } from './support/istio-release.js';

const root = fileURLToPath(new URL('..', import.meta.url));
/** The value at a path through nested maps. */
const at = (value: unknown, ...path: string[]): unknown =>
  path.reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], value);

const settings = parse(readFileSync(join(root, 'mesh', 'istio', 'kiali-config.yaml'), 'utf8')) as Record<
  string,
  unknown
>;

describe('the Kiali addon, configured by scripts/kiali-config.ts', () => {
  const sample = kialiSample('v2.26');
  const objects = parseAllDocuments(configureKiali(sample, settings)).map((doc) => doc.toJS() as unknown);
  const config = parse(at(objects[0], 'data', 'config.yaml') as string) as unknown;

  it('links to the Jaeger addon that `make jaeger` serves, and keeps the rest of its config', () => {
    expect(at(config, 'external_services', 'tracing')).toMatchObject({
      enabled: true,
      internal_url: 'http://tracing.istio-system:16685/jaeger',
      use_grpc: true,
      external_url: 'http://localhost:16686/jaeger',
    });
    expect(at(config, 'external_services', 'custom_dashboards')).toEqual({ enabled: true });
    expect(at(config, 'server', 'web_root')).toBe('/kiali');
  });

  it('rolls Kiali out when its config changes', () => {
    const checksum = (yaml: string): unknown =>
      at(parseAllDocuments(yaml)[1]?.toJS(), 'spec', 'template', 'metadata', 'annotations', 'checksum/config');
    expect(checksum(configureKiali(sample, settings))).not.toBe('sample');
    expect(checksum(configureKiali(sample, settings))).not.toBe(
      checksum(configureKiali(sample, { external_services: { tracing: { enabled: false } } })),
    );
  });

  it('says which file lacks the ConfigMap', () => {
    expect(() => configureKiali('kind: Service\nmetadata:\n  name: kiali\n', settings, 'x/kiali.yaml')).toThrow(
      "x/kiali.yaml: no ConfigMap 'kiali' with data config.yaml",
    );
  });
});
