import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const dirs = ['dist/manifests-synth-test-a', 'dist/manifests-synth-test-b'];

function synth(env: Record<string, string>): { status: number | null; stderr: string } {
  const run = spawnSync('node', ['infra/cdk8s/dist/src/main.js'], {
    cwd: root,
    encoding: 'utf8',
    env: {
      ...process.env,
      CDK8S_CHECK_UPGRADE: 'false',
      JWKS_FILE: 'infra/cdk8s/test/fixtures/jwks.json',
      LOADGEN_JWKS_FILE: 'infra/cdk8s/test/fixtures/loadgen-jwks.json',
      IDENTITY_JWKS_FILE: 'infra/cdk8s/test/fixtures/identity-jwks.json',
      ...env,
    },
  });
  return { status: run.status, stderr: run.stderr };
}

const read = (dir: string): Record<string, string> =>
  Object.fromEntries(
    readdirSync(join(root, dir))
      .sort()
      .map((f) => [f, readFileSync(join(root, dir, f), 'utf8')]),
  );

describe('npm run synth', () => {
  beforeAll(() => {
    expect(spawnSync('npx', ['tsc', '-b', 'infra/cdk8s'], { cwd: root }).status).toBe(0);
    for (const dir of dirs) rmSync(join(root, dir), { recursive: true, force: true });
  });

  // How long a synth takes is a figure, not a test (a busy machine makes any bound flaky).
  it('writes the whole shop, byte-identical across runs', () => {
    const runs = dirs.map((dir) => synth({ MANIFESTS_DIR: dir }));
    for (const run of runs) {
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
    }
    const [a, b] = dirs.map(read);
    expect(Object.keys(a!)).toContain('30-orders.k8s.yaml');
    expect(b).toEqual(a);
  });

  it('names images from IMAGE_REGISTRY and IMAGE_TAG, and refuses latest', () => {
    expect(
      synth({ MANIFESTS_DIR: dirs[0]!, IMAGE_REGISTRY: 'registry.local:5000/shop', IMAGE_TAG: '1.2.3' }).status,
    ).toBe(0);
    expect(read(dirs[0]!)['30-users.k8s.yaml']).toContain('image: registry.local:5000/shop/users:1.2.3');
    const latest = synth({ MANIFESTS_DIR: dirs[0]!, IMAGE_TAG: 'latest' });
    expect(latest.status).not.toBe(0);
    expect(latest.stderr).toMatch(/IMAGE_TAG must name a release, got 'latest'/);
  });

  it('gives each service its own tag from IMAGE_TAGS, IMAGE_TAG to the rest, and names a bad entry', () => {
    const run = synth({ MANIFESTS_DIR: dirs[0]!, IMAGE_TAG: '1.2.3', IMAGE_TAGS: 'orders=1.2.3-abc,users=1.2.3-def' });
    expect(run.stderr).toBe('');
    const files = read(dirs[0]!);
    expect(files['30-orders.k8s.yaml']).toContain('image: mesh-kit/orders:1.2.3-abc');
    expect(files['30-users.k8s.yaml']).toContain('image: mesh-kit/users:1.2.3-def');
    expect(files['30-payments.k8s.yaml']).toContain('image: mesh-kit/payments:1.2.3\n');
    const unknown = synth({ MANIFESTS_DIR: dirs[0]!, IMAGE_TAGS: 'order=1.2.3' });
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain("IMAGE_TAGS: 'order' is no catalog service");
    const latest = synth({ MANIFESTS_DIR: dirs[0]!, IMAGE_TAGS: 'orders=latest' });
    expect(latest.stderr).toContain("IMAGE_TAGS: the tag of orders must name a release, got 'latest'");
    const malformed = synth({ MANIFESTS_DIR: dirs[0]!, IMAGE_TAGS: 'orders' });
    expect(malformed.stderr).toContain("IMAGE_TAGS: 'orders' is not <service>=<tag>");
  });

  it('fails naming the JWKS file and `make secrets` when it is missing', () => {
    const run = synth({ MANIFESTS_DIR: dirs[0]!, JWKS_FILE: '.secrets/no-such-jwks.json' });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/no-such-jwks\.json does not exist; run `make secrets`/);
  });
});
