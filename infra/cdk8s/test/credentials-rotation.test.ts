import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { catalog, databaseSecretName, jwtSecretName, natsSecretName, usesBroker } from '../src/catalog.js';
import { CREDENTIALS_ANNOTATION, readCredentialDigests } from '../src/credentials-digest.js';
import { type KubeObject, ofKind, synthObjects } from './support/shop.js';

/** Every Secret `make secrets` creates, each with a made-up digest. */
const secretNames = [
  catalog.secrets.postgresAdmin,
  ...catalog.services.filter((s) => s.database !== undefined).map((s) => databaseSecretName(s.name)),
  ...catalog.services.filter(usesBroker).map((s) => natsSecretName(s.name)),
  jwtSecretName('loadgen'),
];
const digests = Object.fromEntries(secretNames.map((name, i) => [name, String(i).padStart(64, '0')]));
const rotated = (name: string): Record<string, string> => ({ ...digests, [name]: 'f'.repeat(64) });

type Template = { metadata: { annotations?: Record<string, string> }; spec: unknown };
const templates = (objects: readonly KubeObject[]): Map<string, Template> =>
  new Map(
    [...ofKind(objects, 'Deployment'), ...ofKind(objects, 'StatefulSet')].map((o) => [
      `${o.kind}/${o.metadata.name}`,
      (o.spec as { template: Template }).template,
    ]),
  );
/** The workloads whose pod template differs between two syntheses (a difference rolls their pods). */
function rolled(before: readonly KubeObject[], after: readonly KubeObject[]): string[] {
  const a = templates(before);
  const b = templates(after);
  return [...a.keys()].filter((key) => JSON.stringify(a.get(key)) !== JSON.stringify(b.get(key))).sort();
}

describe('credential rotation rolls the pods that read the credentials, and only those', () => {
  const base = synthObjects(catalog, { credentialDigests: digests });

  it("a service's database credentials roll that service", () => {
    expect(rolled(base, synthObjects(catalog, { credentialDigests: rotated('orders-db') }))).toEqual([
      'Deployment/orders',
    ]);
    expect(rolled(base, synthObjects(catalog, { credentialDigests: rotated('users-db') }))).toEqual([
      'Deployment/users',
    ]);
  });

  it("a service's broker credentials roll that service and the NATS StatefulSet", () => {
    expect(rolled(base, synthObjects(catalog, { credentialDigests: rotated('notifications-nats') }))).toEqual([
      'Deployment/notifications',
      `StatefulSet/${catalog.nats.name}`,
    ]);
  });

  it("loadgen's signing key rolls loadgen; the admin password (read only on a fresh volume) rolls nothing", () => {
    expect(rolled(base, synthObjects(catalog, { credentialDigests: rotated('loadgen-jwt') }))).toEqual([
      'Deployment/loadgen',
    ]);
    expect(rolled(base, synthObjects(catalog, { credentialDigests: rotated(catalog.secrets.postgresAdmin) }))).toEqual(
      [],
    );
  });

  it('annotates exactly the pods that read Secrets, with a digest and never a credential digest itself', () => {
    const annotated = [...templates(base)].filter(([, t]) => t.metadata.annotations?.[CREDENTIALS_ANNOTATION]);
    expect(annotated.map(([key]) => key).sort()).toEqual(
      [
        ...catalog.services
          .filter((s) => s.database !== undefined || usesBroker(s) || s.callsGateway === true)
          .map((s) => `Deployment/${s.name}`),
        `StatefulSet/${catalog.nats.name}`,
      ].sort(),
    );
    for (const [, t] of annotated) {
      const value = t.metadata.annotations![CREDENTIALS_ANNOTATION]!;
      expect(value).toMatch(/^[0-9a-f]{64}$/);
      expect(Object.values(digests)).not.toContain(value);
    }
  });

  it('without digests the synthesis is deterministic, and digests change it', () => {
    expect(JSON.stringify(synthObjects())).toBe(JSON.stringify(synthObjects()));
    expect(rolled(synthObjects(), base).length).toBeGreaterThan(0);
  });
});

describe('npm run synth reads a digest of each file under SECRETS_DIR', () => {
  const root = new URL('../../../', import.meta.url).pathname;
  const dir = mkdtempSync(join(tmpdir(), 'mesh-kit-secrets-'));
  const out = mkdtempSync(join(tmpdir(), 'mesh-kit-manifests-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    rmSync(out, { recursive: true, force: true });
  });
  const synth = (): Map<string, string> => {
    execFileSync('node', ['infra/cdk8s/dist/src/main.js'], {
      cwd: root,
      env: {
        ...process.env,
        CDK8S_CHECK_UPGRADE: 'false',
        JWKS_FILE: 'infra/cdk8s/test/fixtures/jwks.json',
        LOADGEN_JWKS_FILE: 'infra/cdk8s/test/fixtures/loadgen-jwks.json',
        IDENTITY_JWKS_FILE: 'infra/cdk8s/test/fixtures/identity-jwks.json',
        TRAFFIC_FILE: '',
        SECRETS_DIR: dir,
        MANIFESTS_DIR: out,
      },
    });
    return new Map(readdirSync(out).map((file) => [file, readFileSync(join(out, file), 'utf8')]));
  };

  it('hashes each credential file, and a regenerated one changes only the manifests of its readers', () => {
    const password = 'a-password-that-must-not-leave';
    writeFileSync(join(dir, 'orders-db.json'), JSON.stringify({ password }));
    writeFileSync(join(dir, 'users-db.json'), JSON.stringify({ password: 'other' }));
    writeFileSync(join(dir, 'notes.txt'), 'ignored');
    expect(Object.keys(readCredentialDigests(dir))).toEqual(['orders-db', 'users-db']);
    expect(readCredentialDigests(join(dir, 'missing'))).toEqual({});
    const before = synth();
    writeFileSync(join(dir, 'orders-db.json'), JSON.stringify({ password: `${password}-2` }));
    const after = synth();
    const changed = [...before.keys()].filter((file) => before.get(file) !== after.get(file));
    expect(changed).toEqual(['30-orders.k8s.yaml']);
    for (const text of after.values()) expect(text).not.toContain(password);
  });
});
