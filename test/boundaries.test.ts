/**
 * The workspaces' boundaries: a workspace's src/ is private (others import the catalog and the
 * runtime by name, and a service only through an entry its package.json exports), and every
 * Kubernetes object is typed (no untyped cdk8s ApiObject).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const CODE = /\.(?:[cm]?[jt]s|tsx)$/;
/** Generated classes (cdk8s import) define ApiObject subclasses; nothing else constructs one. */
const GENERATED = /^infra\/cdk8s\/imports\//;
const IMPORT = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+|\bvi\.mock\(\s*)(['"])([^'"\n]+)\1/g;

/** The workspace folder that owns `path` (`services/users`, `packages/catalog`), if any. */
const ownerOf = (path: string): string | undefined => /^((?:services|packages|infra)\/[^/]+)\//.exec(path)?.[1];

/** What breaks the boundaries in `files` (repository path → text); `exportsOf` reads a workspace's exports. */
export function boundaryViolations(
  files: ReadonlyMap<string, string>,
  exportsOf: (workspace: string) => readonly string[] | undefined,
): string[] {
  const found: string[] = [];
  for (const [file, text] of files) {
    if (!CODE.test(file) || GENERATED.test(file)) continue;
    if (/\bnew\s+ApiObject\s*\(/.test(text)) found.push(`${file}: constructs an untyped ApiObject`);
    for (const match of text.matchAll(IMPORT)) {
      const specifier = match[2]!;
      if (specifier.startsWith('.')) {
        const target = normalize(join(dirname(file), specifier))
          .split('\\')
          .join('/');
        const owner = /^((?:services|packages)\/[^/]+)\/src(?:\/|$)/.exec(target)?.[1];
        if (owner !== undefined && ownerOf(file) !== owner) found.push(`${file}: imports ${owner}/src (${specifier})`);
        continue;
      }
      const entry = /^@mesh-kit\/([a-z-]+)\/([a-z-]+)$/.exec(specifier);
      if (entry === null) continue;
      const workspace = entry[1] === 'catalog' ? 'packages/catalog' : `services/${entry[1]}`;
      if (!(exportsOf(workspace) ?? []).includes(`./${entry[2]}`)) {
        found.push(`${file}: imports ${specifier}, which ${workspace}/package.json does not export`);
      }
    }
  }
  return found;
}

const exportsOf = (workspace: string): readonly string[] | undefined => {
  const manifest = join(root, workspace, 'package.json');
  if (!existsSync(manifest)) return undefined;
  return Object.keys((JSON.parse(readFileSync(manifest, 'utf8')) as { exports?: object }).exports ?? {});
};

describe('workspace boundaries', () => {
  it('hold in every file git knows', () => {
    const paths = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
      cwd: root,
      encoding: 'utf8',
    })
      .split('\n')
      // This file's own fixtures below break the rules on purpose.
      .filter((path) => CODE.test(path) && path !== 'test/boundaries.test.ts' && existsSync(join(root, path)));
    const files = new Map(paths.map((path) => [path, readFileSync(join(root, path), 'utf8')]));
    expect(files.size).toBeGreaterThan(300);
    expect(boundaryViolations(files, exportsOf)).toEqual([]);
  });

  it('are able to fail: a reach into src, an undeclared entry, an untyped ApiObject', () => {
    const files = new Map([
      ['test/x.test.ts', "import { createApp } from '../services/users/src/app.js';"],
      ['services/orders/test/y.test.ts', "const m = await import('../../payments/src/app.js');"],
      ['infra/verify/src/z.ts', "import { x } from '../../../packages/catalog/src/catalog.js';"],
      ['scripts/w.ts', "import { y } from '@mesh-kit/users/user-store';"],
      // Split, so that a repository-wide grep for the constructor call stays empty.
      [
        'infra/cdk8s/src/v.ts',
        `new ${'ApiObject'}(this, 'pdb', { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget' });`,
      ],
      // Allowed: a service's own src, a declared entry, the catalog by name, generated classes.
      ['services/users/test/u.test.ts', "import { createApp } from '../src/app.js';"],
      ['services/orders/test/o.test.ts', "import { createApp } from '@mesh-kit/users/app';"],
      ['infra/cdk8s/src/c.ts', "import { catalog } from '@mesh-kit/catalog';"],
      ['infra/cdk8s/imports/k8s.ts', 'export class KubeJob extends ApiObject {}'],
    ]);
    const declared = (workspace: string): readonly string[] => (workspace === 'services/users' ? ['./app'] : []);
    expect(boundaryViolations(files, declared)).toEqual([
      'test/x.test.ts: imports services/users/src (../services/users/src/app.js)',
      'services/orders/test/y.test.ts: imports services/payments/src (../../payments/src/app.js)',
      'infra/verify/src/z.ts: imports packages/catalog/src (../../../packages/catalog/src/catalog.js)',
      'scripts/w.ts: imports @mesh-kit/users/user-store, which services/users/package.json does not export',
      'infra/cdk8s/src/v.ts: constructs an untyped ApiObject',
    ]);
  });
});
