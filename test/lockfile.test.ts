/**
 * What `npm ci` installs, read from package-lock.json (issue 20, finding 7): no `backport` and no
 * axios 0.27 (cdk8s-plus-27's optional dependency, dropped by the root's `overrides`), and no
 * minimatch or brace-expansion below the first fixed release of its major line, except the copy that
 * cdk8s-plus-27 ships inside its own tarball, which npm never overrides (npm/cli#4963).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

interface LockedPackage {
  readonly version?: string;
  readonly inBundle?: boolean;
  readonly hasInstallScript?: boolean;
  readonly dev?: boolean;
}
const root = new URL('..', import.meta.url);
const lock = JSON.parse(readFileSync(new URL('package-lock.json', root), 'utf8')) as {
  packages: Record<string, LockedPackage>;
};
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8')) as {
  overrides?: Record<string, unknown>;
};
const installed = (name: string): [string, LockedPackage][] =>
  Object.entries(lock.packages).filter(
    ([path]) => path === `node_modules/${name}` || path.endsWith(`/node_modules/${name}`),
  );

/**
 * The first fixed release per major line. minimatch: GHSA-3ppc-4f35-3m26 (CVE-2026-26996), fixed in
 * 10.2.1 and backported to 3.1.3, 4.2.4, 5.1.7, 6.2.1, 7.4.7, 8.0.5, 9.0.6 (isaacs/minimatch
 * advisory). brace-expansion: CVE-2025-5889, fixed in 1.1.12, 2.0.2, 3.0.1, 4.0.1.
 */
const FIXED: Record<string, Record<number, string>> = {
  minimatch: { 3: '3.1.3', 4: '4.2.4', 5: '5.1.7', 6: '6.2.1', 7: '7.4.7', 8: '8.0.5', 9: '9.0.6', 10: '10.2.1' },
  'brace-expansion': { 1: '1.1.12', 2: '2.0.2', 3: '3.0.1', 4: '4.0.1' },
};

const parts = (version: string): number[] => version.split('-')[0]!.split('.').map(Number);
function below(version: string, floor: string): boolean {
  const [a, b] = [parts(version), parts(floor)];
  for (let i = 0; i < 3; i += 1) if (a[i] !== b[i]) return a[i]! < b[i]!;
  return false;
}
const vulnerable = (name: string, version: string): boolean => {
  const floor = FIXED[name]?.[parts(version)[0]!];
  return floor !== undefined && below(version, floor);
};

describe('the locked install', () => {
  it('has no backport and no axios: the override replaces the optional dependency that brought them', () => {
    expect(manifest.overrides?.['backport']).toBe('file:./infra/cdk8s/stubs/backport');
    expect(installed('backport')).toEqual([]);
    expect(installed('axios')).toEqual([]);
  });

  it('has no vulnerable minimatch or brace-expansion but the copy bundled inside cdk8s-plus-27', () => {
    const found = ['minimatch', 'brace-expansion'].flatMap((name) =>
      installed(name).filter(([, p]) => vulnerable(name, p.version ?? '0.0.0')),
    );
    expect(found.map(([path, p]) => `${path}@${p.version} ${p.inBundle === true ? 'bundled' : ''}`)).toEqual([
      'node_modules/cdk8s-plus-27/node_modules/minimatch@3.1.2 bundled',
      'node_modules/cdk8s-plus-27/node_modules/minimatch/node_modules/brace-expansion@1.1.11 bundled',
    ]);
  });

  it('never reaches that bundled copy: cdk8s-plus-27 loads it only for ConfigMap.addDirectory, which the app never calls', () => {
    const library = new URL('node_modules/cdk8s-plus-27/lib/', root);
    const loaders = readdirSync(library, { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.js'))
      .filter((file) => readFileSync(new URL(file, library), 'utf8').includes('require("minimatch")'));
    expect(loaders).toEqual(['config-map.js']);
    const sources = new URL('infra/cdk8s/src/', root);
    const callers = readdirSync(sources, { recursive: true })
      .map(String)
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /\.addDirectory\(/.test(readFileSync(new URL(file, sources), 'utf8')));
    expect(callers).toEqual([]);
  });

  it('runs no install script in the images: no production dependency has one (the Dockerfile installs with --ignore-scripts)', () => {
    const withScripts = Object.entries(lock.packages).filter(([, p]) => p.hasInstallScript === true);
    expect(withScripts.length).toBeGreaterThan(0);
    expect(withScripts.filter(([, p]) => p.dev !== true).map(([path]) => path)).toEqual([]);
  });
});
