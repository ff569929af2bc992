import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { USED_CRDS, generateTypes, importsDir, selectCrds, sharedCrdFile } from '../scripts/import-crds.js';

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
