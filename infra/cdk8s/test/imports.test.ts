import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { USED_CRDS, generateTypes, importsDir, selectCrds, sharedCrdFile } from '../scripts/import-crds.js';
import {
  K8S_VERSION,
  USED_KINDS,
  definitionsFile,
  generateK8sTypes,
  selectDefinitions,
} from '../scripts/import-k8s.js';

const committedCrds = readFileSync(join(importsDir, 'istio-crds.yaml'), 'utf8');

describe('generated Istio CRD types (imports/)', () => {
  it('match what `cdk8s import` generates from the committed CRDs', () => {
    const generated = generateTypes(join(importsDir, 'istio-crds.yaml'));
    expect([...generated.keys()].sort()).toEqual([
      'networking.istio.io.ts',
      'security.istio.io.ts',
      'telemetry.istio.io.ts',
    ]);
    for (const [name, text] of generated) {
      expect(
        readFileSync(join(importsDir, name), 'utf8') === text,
        `imports/${name} drifted: run npm run import -w @mesh-kit/infra`,
      ).toBe(true);
    }
  }, 60_000);

  it('hold each used CRD once, at the version the manifests use', () => {
    const crds = parseAllDocuments(committedCrds).map(
      (d) => d.toJS() as { metadata: { name: string }; spec: { versions: { name: string }[] } },
    );
    expect(
      Object.fromEntries(crds.map((c) => [c.metadata.name, c.spec.versions.map((v) => v.name).join(',')])),
    ).toEqual(USED_CRDS);
  });

  it.skipIf(!existsSync(sharedCrdFile))(
    'match the upstream Istio 1.30.3 CRDs when ../shared/schemas is present',
    () => {
      expect(selectCrds(readFileSync(sharedCrdFile, 'utf8')) === committedCrds).toBe(true);
    },
  );
});

describe('generated Kubernetes types (imports/k8s.ts)', () => {
  const committed = JSON.parse(readFileSync(definitionsFile, 'utf8')) as { definitions: Record<string, unknown> };

  it(`match what \`cdk8s import k8s@${K8S_VERSION}\` generates from the committed definitions`, () => {
    expect(
      readFileSync(join(importsDir, 'k8s.ts'), 'utf8') === generateK8sTypes(definitionsFile),
      'imports/k8s.ts drifted: run npm run import -w @mesh-kit/infra',
    ).toBe(true);
  }, 60_000);

  it('hold the used kinds and only what they reference', () => {
    expect(selectDefinitions(JSON.stringify(committed))).toBe(readFileSync(definitionsFile, 'utf8'));
    expect(Object.keys(committed.definitions)).toEqual(expect.arrayContaining([...USED_KINDS]));
  });

  const upstream = process.env.K8S_DEFINITIONS_FILE;
  it.skipIf(upstream === undefined || !existsSync(upstream))(
    `match cdk8s's Kubernetes ${K8S_VERSION} schema when K8S_DEFINITIONS_FILE points at it`,
    () => {
      expect(selectDefinitions(readFileSync(upstream!, 'utf8')) === readFileSync(definitionsFile, 'utf8')).toBe(true);
    },
  );
});
