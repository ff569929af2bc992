import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  CHART_DIR,
  FIXTURE_JWKS,
  FIXTURE_LOADGEN_JWKS,
  ROOT,
  buildChart,
  chartDrift,
  rootVersion,
  synthesize,
  synthesizeDefaults,
  type ChartInputs,
} from '../scripts/chart.js';
import { generateSigningKeys } from '../scripts/secrets.js';
import {
  CREDENTIALS_ANNOTATION,
  credentialsDigest,
  readCredentialDigests,
} from '../infra/cdk8s/src/credentials-digest.js';
import { objectKey, parseManifests, type KubeObject } from '../scripts/manifests.js';

const fixture: ChartInputs = {
  registry: 'mesh-kit',
  tag: '0.1.0',
  jwks: { users: '{"keys":[]}', loadgen: '{"keys":[2]}' },
  version: '0.1.0',
  files: [
    {
      name: '30-users.k8s.yaml',
      objects: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'users', namespace: 'shop' },
          spec: {
            template: {
              spec: {
                containers: [
                  { name: 'users', image: 'mesh-kit/users:0.1.0', args: ['{{ not a template }}'] },
                  { name: 'other', image: 'elsewhere/users:0.1.0' },
                ],
              },
            },
          },
        },
      ],
    },
    {
      name: '50-gateway-policy.k8s.yaml',
      objects: [
        {
          apiVersion: 'security.istio.io/v1',
          kind: 'RequestAuthentication',
          metadata: { name: 'jwt', namespace: 'istio-system' },
          spec: {
            jwtRules: [
              { issuer: 'mesh-kit', jwks: '{"keys":[]}' },
              { issuer: 'mesh-kit-loadgen', jwks: '{"keys":[2]}' },
            ],
          },
        },
      ],
    },
  ],
};

describe('the chart generator', () => {
  it('turns the image registry and tag and the JWKS into values, and nothing else', () => {
    const files = buildChart(fixture);
    const users = files.get('templates/30-users.k8s.yaml') ?? '';
    expect(users).toContain(
      'image: "{{ .Values.image.registry }}/users:{{ index .Values.image.tags "users" | default .Values.image.tag }}"',
    );
    expect(users).toContain('image: elsewhere/users:0.1.0');
    expect(users).toContain('{{ "{{" }} not a template }}');
    expect(files.get('templates/50-gateway-policy.k8s.yaml')).toContain(
      'jwks: {{ required "jwt.users.jwks is required: the issuer\'s public JWKS (--set-file jwt.users.jwks=…)" .Values.jwt.users.jwks | toJson }}',
    );
    expect(files.get('templates/50-gateway-policy.k8s.yaml')).toContain('.Values.jwt.loadgen.jwks | toJson }}');
    // No default JWKS: a key the gateway trusts is always the deployer's choice.
    expect(files.get('values.yaml')).toMatch(/\njwt:\n {2}users: \{\}\n {2}loadgen: \{\}\n/);
    expect(files.get('values.yaml')).not.toContain('keys');
    expect(files.get('values.yaml')).toMatch(/image:\n {2}registry: mesh-kit\n {2}tag: 0\.1\.0\n/);
    expect([...files.keys()].sort()).toEqual([
      'Chart.yaml',
      'templates/30-users.k8s.yaml',
      'templates/50-gateway-policy.k8s.yaml',
      'values.schema.json',
      'values.yaml',
    ]);
  });

  it("turns a pod template's credentials digest into the helper that hashes the cluster's Secrets", () => {
    const pod = (digest: string): ChartInputs['files'][number] => ({
      name: '30-orders.k8s.yaml',
      objects: [
        {
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'orders', namespace: 'shop' },
          spec: {
            template: {
              metadata: { annotations: { [CREDENTIALS_ANNOTATION]: digest } },
              spec: {
                containers: [
                  {
                    name: 'orders',
                    env: [
                      { name: 'B', valueFrom: { secretKeyRef: { name: 'orders-nats', key: 'password' } } },
                      { name: 'A', valueFrom: { secretKeyRef: { name: 'orders-db', key: 'url' } } },
                    ],
                  },
                ],
              },
            },
          },
        },
      ],
    });
    const files = buildChart({
      ...fixture,
      files: [...fixture.files, pod(credentialsDigest(['orders-db', 'orders-nats'], {}))],
    });
    expect(files.get('templates/30-orders.k8s.yaml')).toContain(
      `${CREDENTIALS_ANNOTATION}: {{ include "mesh-kit.credentials" (list .Values.credentialDigests "orders-db" "orders-nats") | quote }}`,
    );
    expect(files.get('templates/_helpers.tpl')).toContain('get $digests $name | default "unknown"');
    // Synthesized with local digests: the chart would carry them, so it refuses.
    expect(() =>
      buildChart({ ...fixture, files: [pod(credentialsDigest(['orders-db'], { 'orders-db': 'x' }))] }),
    ).toThrow(/is not the digest of the Secrets its env reads \(orders-db, orders-nats\)/);
  });

  it('fails when no object carries the JWKS', () => {
    expect(() => buildChart({ ...fixture, jwks: { ...fixture.jwks, loadgen: '{"keys":[1]}' } })).toThrow(
      /no object carries the JWKS of loadgen/,
    );
  });

  it('reports changed, missing and extra files as drift', () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-kit-drift-'));
    try {
      writeFileSync(join(dir, 'Chart.yaml'), 'old');
      writeFileSync(join(dir, 'extra.yaml'), 'x');
      const wanted = new Map([
        ['Chart.yaml', 'new'],
        ['values.yaml', 'v'],
      ]);
      expect(chartDrift(wanted, dir)).toEqual(['Chart.yaml', 'extra.yaml', 'values.yaml']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('charts/mesh-kit', () => {
  const defaults = synthesizeDefaults(rootVersion());

  it('is in sync with the cdk8s app (run `npm run chart` when this fails)', () => {
    expect(chartDrift(buildChart(defaults))).toEqual([]);
  });

  describe('with helm', () => {
    let helm: string;
    let scratch: string;
    beforeAll(() => {
      scratch = mkdtempSync(join(tmpdir(), 'mesh-kit-helm-'));
      helm = process.env['HELM'] ?? join(ROOT, 'bin/ci/helm');
      if (!existsSync(helm)) execFileSync('bash', ['scripts/ci-helm.sh'], { cwd: ROOT, stdio: 'inherit' });
    }, 180_000);
    afterAll(() => rmSync(scratch, { recursive: true, force: true }));

    const render = (...args: string[]): KubeObject[] =>
      parseManifests(
        execFileSync(helm, ['template', 'mesh-kit', CHART_DIR, '--namespace', 'shop', ...args], { encoding: 'utf8' }),
        'helm template',
      );
    const sorted = (objects: readonly KubeObject[]): KubeObject[] =>
      [...objects].sort((a, b) => objectKey(a).localeCompare(objectKey(b)));

    /** `--set-file` for each issuer's JWKS, written exactly as the defaults were synthesized with. */
    const fixtureJwks = (): string[] =>
      Object.entries(defaults.jwks).flatMap(([id, text]) => {
        const file = join(scratch, `fixture-${id}.json`);
        writeFileSync(file, text);
        return ['--set-file', `jwt.${id}.jwks=${file}`];
      });

    it('passes helm lint --strict (with the JWKS given)', () => {
      const result = spawnSync(helm, ['lint', '--strict', CHART_DIR, ...fixtureJwks()], {
        encoding: 'utf8',
        cwd: ROOT,
      });
      expect(result.stdout + result.stderr).toContain('0 chart(s) failed');
      expect(result.status).toBe(0);
    });

    it('renders, with its default values and the fixture JWKS, exactly the synthesized objects', () => {
      const synthesized = defaults.files.flatMap((file) => file.objects);
      expect(sorted(render(...fixtureJwks()))).toEqual(sorted(synthesized));
    });

    it("refuses to render without each issuer's JWKS, naming the value (no default key is trusted)", () => {
      for (const [missing, given] of [
        ['users', `jwt.loadgen.jwks=${join(ROOT, FIXTURE_LOADGEN_JWKS)}`],
        ['loadgen', `jwt.users.jwks=${join(ROOT, FIXTURE_JWKS)}`],
      ] as const) {
        const result = spawnSync(helm, ['template', 'x', CHART_DIR, '--set-file', given], {
          encoding: 'utf8',
          cwd: ROOT,
        });
        expect(result.status).not.toBe(0);
        expect(result.stderr).toMatch(new RegExp(`jwt[./]${missing}`));
        expect(result.stderr).toContain('jwks');
      }
    });

    it('renders, with a registry, tags, JWKS and credential digests given, what synth makes of the same inputs', () => {
      const jwksFile = join(scratch, 'jwks.json');
      const loadgenJwksFile = join(scratch, 'loadgen-jwks.json');
      const identityJwksFile = join(scratch, 'identity-jwks.json');
      writeFileSync(jwksFile, JSON.stringify(generateSigningKeys().jwks));
      writeFileSync(loadgenJwksFile, JSON.stringify(generateSigningKeys().jwks));
      writeFileSync(identityJwksFile, JSON.stringify(generateSigningKeys().jwks));
      // Credential files as `make secrets` writes them, and the values scripts/apply.sh makes of them.
      const secretsDir = join(scratch, 'secrets');
      mkdirSync(secretsDir);
      writeFileSync(join(secretsDir, 'orders-db.json'), '{"password":"one"}');
      writeFileSync(join(secretsDir, 'orders-nats.json'), '{"password":"two"}');
      const digests = readCredentialDigests(secretsDir);
      const synthesized = synthesize({
        registry: 'ghcr.io/me',
        tag: '1.2.3',
        tags: { payments: '1.2.3-payments' },
        jwksFiles: { users: jwksFile, loadgen: loadgenJwksFile, identity: identityJwksFile },
        secretsDir,
      }).flatMap((f) => f.objects);
      const rendered = render(
        ...Object.entries(digests).flatMap(([name, digest]) => ['--set-string', `credentialDigests.${name}=${digest}`]),
        '--set-string',
        'image.registry=ghcr.io/me',
        '--set-string',
        'image.tag=1.2.3',
        '--set-string',
        'image.tags.payments=1.2.3-payments',
        '--set-file',
        `jwt.users.jwks=${jwksFile}`,
        '--set-file',
        `jwt.loadgen.jwks=${loadgenJwksFile}`,
        '--set-file',
        `jwt.identity.jwks=${identityJwksFile}`,
      );
      expect(sorted(rendered)).toEqual(sorted(synthesized));
      expect(JSON.stringify(rendered)).toContain('"image":"ghcr.io/me/orders:1.2.3"');
      expect(JSON.stringify(rendered)).toContain('"image":"ghcr.io/me/payments:1.2.3-payments"');
      // The digests reached the pod templates that read those Secrets (orders', NATS'), not others.
      const digestOf = (objects: readonly KubeObject[], kind: string, name: string): string | undefined =>
        (
          objects.find((o) => o.kind === kind && o.metadata.name === name)?.spec as {
            template: { metadata: { annotations?: Record<string, string> } };
          }
        ).template.metadata.annotations?.[CREDENTIALS_ANNOTATION];
      const defaults = render(...fixtureJwks());
      expect(digestOf(rendered, 'Deployment', 'orders')).not.toBe(digestOf(defaults, 'Deployment', 'orders'));
      expect(digestOf(rendered, 'StatefulSet', 'nats')).not.toBe(digestOf(defaults, 'StatefulSet', 'nats'));
      expect(digestOf(rendered, 'Deployment', 'users')).toBe(digestOf(defaults, 'Deployment', 'users'));
    });

    it('names the database init Job after the credentials revision as synth does, so new credentials re-run it', () => {
      const revision = 'c0ffee'.repeat(10) + 'beef';
      const job = (objects: readonly KubeObject[]): string =>
        objects.find((object) => object.kind === 'Job' && object.metadata.name.startsWith('postgres-init-'))?.metadata
          .name ?? 'no Job';
      const synthesized = synthesize({ registry: 'mesh-kit', tag: rootVersion(), credentialsRevision: revision });
      const rendered = render(...fixtureJwks(), '--set-string', `database.credentialsRevision=${revision}`);
      expect(job(rendered)).toMatch(/^postgres-init-[0-9a-f]{8}-c0ffeec0$/);
      expect(job(rendered)).toBe(job(synthesized.flatMap((file) => file.objects)));
      expect(job(rendered)).not.toBe(job(render(...fixtureJwks())));
      expect(JSON.stringify(rendered)).not.toContain(revision);
    });

    it('takes --take-ownership, which scripts/apply.sh passes to adopt what kubectl created (Helm >= 3.17)', () => {
      expect(execFileSync(helm, ['upgrade', '--help'], { encoding: 'utf8' })).toContain('--take-ownership');
    });

    it("sets the identity provider's issuer where the gateway and the provider read it, and refuses one off /auth", () => {
      const issuer = 'https://shop.example.com/auth';
      const rendered = render(...fixtureJwks(), '--set-string', `jwt.identity.issuer=${issuer}`);
      const text = JSON.stringify(rendered);
      expect(text).not.toContain('http://localhost:8080/auth');
      const rules = rendered
        .filter((o) => o.kind === 'RequestAuthentication')
        .flatMap((o) => (o.spec as { jwtRules: { issuer: string }[] }).jwtRules.map((r) => r.issuer));
      expect(rules).toContain(issuer);
      const identity = rendered.find((o) => o.kind === 'Deployment' && o.metadata.name === 'identity')!;
      expect(JSON.stringify(identity)).toContain(`{"name":"IDENTITY_ISSUER","value":"${issuer}"}`);
      const result = spawnSync(
        helm,
        ['template', 'x', CHART_DIR, '--set-string', 'jwt.identity.issuer=https://shop.example.com/'],
        { encoding: 'utf8' },
      );
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain("at '/jwt/identity/issuer'");
    });

    it("takes the gateway's TLS Secret and the HTTP redirect from values (cert-manager's Secret, kind without redirect)", () => {
      const gateway = (rendered: KubeObject[]) =>
        rendered.find((o) => o.kind === 'Gateway')!.spec as { servers: { tls?: Record<string, unknown> }[] };
      const defaults = render(...fixtureJwks());
      expect(gateway(defaults).servers.map((s) => s.tls)).toEqual([
        { httpsRedirect: true },
        { mode: 'SIMPLE', credentialName: 'mesh-kit-gateway-tls' },
      ]);
      const set = render(
        ...fixtureJwks(),
        '--set',
        'gateway.httpsRedirect=false',
        '--set-string',
        'gateway.tlsSecret=shop-example-com-tls',
      );
      expect(gateway(set).servers.map((s) => s.tls)).toEqual([
        { httpsRedirect: false },
        { mode: 'SIMPLE', credentialName: 'shop-example-com-tls' },
      ]);
    });

    it('refuses the tag latest', () => {
      const result = spawnSync(helm, ['template', 'x', CHART_DIR, '--set-string', 'image.tag=latest'], {
        encoding: 'utf8',
      });
      expect(result.status).not.toBe(0);
      expect(result.stderr).toContain('/image/tag');
    });
  });
});
