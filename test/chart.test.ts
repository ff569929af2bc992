import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
    expect(users).toContain('image: "{{ .Values.image.registry }}/users:{{ .Values.image.tag }}"');
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

    it('renders, with a registry, tag and JWKS given, what synth makes of the same inputs', () => {
      const jwksFile = join(scratch, 'jwks.json');
      const loadgenJwksFile = join(scratch, 'loadgen-jwks.json');
      writeFileSync(jwksFile, JSON.stringify(generateSigningKeys().jwks));
      writeFileSync(loadgenJwksFile, JSON.stringify(generateSigningKeys().jwks));
      const synthesized = synthesize({
        registry: 'ghcr.io/me',
        tag: '1.2.3',
        jwksFiles: { users: jwksFile, loadgen: loadgenJwksFile },
      }).flatMap((f) => f.objects);
      const rendered = render(
        '--set-string',
        'image.registry=ghcr.io/me',
        '--set-string',
        'image.tag=1.2.3',
        '--set-file',
        `jwt.users.jwks=${jwksFile}`,
        '--set-file',
        `jwt.loadgen.jwks=${loadgenJwksFile}`,
      );
      expect(sorted(rendered)).toEqual(sorted(synthesized));
      expect(JSON.stringify(rendered)).toContain('"image":"ghcr.io/me/orders:1.2.3"');
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
