/**
 * The rehearsal's helm stand-in (test/rehearsal/stand-in.sh) keeps Helm v4.1.4's ownership rule
 * (pkg/action/validate.go: existingResourceConflict, checkOwnership): an object that exists without
 * Helm's label and annotations stops an install, naming it; `--take-ownership` adopts it; an object
 * labelled and annotated for the release is adopted without it. Run directly, not through make.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const chart = join(root, 'charts', 'mesh-kit');
let home: string;

function tool(name: 'kubectl' | 'helm', ...args: string[]): { status: number | null; output: string } {
  const result = spawnSync(join(home, 'bin', name), args, {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '', STANDIN_STATE: join(home, 'state') },
  });
  return { status: result.status, output: result.stdout + result.stderr };
}
const install = (...extra: string[]) =>
  tool(
    'helm',
    '--kube-context',
    'kind-mesh-kit',
    'upgrade',
    '--install',
    'mesh-kit',
    chart,
    '--namespace',
    'shop',
    ...extra,
  );

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'mesh-kit-helm-stand-in-'));
  mkdirSync(join(home, 'bin'));
  for (const name of ['kubectl', 'helm'])
    copyFileSync(join(root, 'test', 'rehearsal', 'stand-in.sh'), join(home, 'bin', name));
  writeFileSync(
    join(home, 'namespace.yaml'),
    'apiVersion: v1\nkind: Namespace\nmetadata:\n  labels:\n    app.kubernetes.io/part-of: mesh-kit\n  name: shop\n',
  );
  writeFileSync(
    join(home, 'users.yaml'),
    'apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: users\n  namespace: shop\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: users\n  namespace: shop\n',
  );
});
afterEach(() => rmSync(home, { recursive: true, force: true }));

describe('the helm stand-in, on Helm v4.1.4’s ownership check', () => {
  it('installs into a cluster that holds none of the chart’s objects, and upgrades the release after', () => {
    expect(install().status).toBe(0);
    tool('kubectl', 'apply', '-f', join(home, 'users.yaml'));
    expect(install().status).toBe(0);
  });

  it('refuses objects kubectl created without Helm’s ownership metadata, naming the first', () => {
    tool('kubectl', 'apply', '-f', join(home, 'users.yaml'));
    const refused = install();
    expect(refused.status).toBe(1);
    expect(refused.output).toContain(
      'Error: unable to continue with install: ServiceAccount "users" in namespace "shop" exists and cannot be imported into the current release: invalid ownership metadata; label validation error: missing key "app.kubernetes.io/managed-by": must be set to "Helm"; annotation validation error: missing key "meta.helm.sh/release-name": must be set to "mesh-kit"',
    );
  });

  it('adopts them with --take-ownership', () => {
    tool('kubectl', 'apply', '-f', join(home, 'users.yaml'));
    expect(install('--take-ownership').status).toBe(0);
  });

  it('adopts an object labelled and annotated for this release, and only for this release', () => {
    const ns = join(home, 'namespace.yaml');
    tool('kubectl', 'apply', '-f', ns);
    tool('kubectl', 'label', '--overwrite', '-f', ns, 'app.kubernetes.io/managed-by=Helm');
    tool(
      'kubectl',
      'annotate',
      '--overwrite',
      '-f',
      ns,
      'meta.helm.sh/release-name=other',
      'meta.helm.sh/release-namespace=shop',
    );
    expect(install().output).toMatch(/Namespace "shop" in namespace "" exists .* must be set to "mesh-kit"/);
    tool(
      'kubectl',
      'annotate',
      '--overwrite',
      '-f',
      ns,
      'meta.helm.sh/release-name=mesh-kit',
      'meta.helm.sh/release-namespace=shop',
    );
    expect(install().status).toBe(0);
  });
});
