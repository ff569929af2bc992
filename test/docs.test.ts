import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import {
  headingSlugs,
  linksOf,
  makeTargetsIn,
  makeTargetsOf,
  npmScriptsIn,
  repositoryPathsIn,
  sectionOf,
} from './support/markdown.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const read = (path: string): string => readFileSync(join(root, path), 'utf8');

/** README.md and every Markdown file under docs/, as paths from the repository root. */
const documents = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((f) => f.endsWith('.md'))
    .map((f) => `docs/${f}`),
];

/**
 * Top-level entries a path in the docs may start with: what git tracks. Generated and local-only
 * folders (`.bench/` after a bench run, `.stack/`, `node_modules`) are not, whether or not they exist here.
 */
const topLevel = new Set(
  execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter((path) => path !== '')
    .map((path) => path.split('/')[0]!),
);

/** Scripts per npm workspace name ('' = the root package). */
function npmScripts(): Map<string, Set<string>> {
  const packages = ['package.json', 'infra/cdk8s/package.json', 'infra/verify/package.json'];
  for (const service of readdirSync(join(root, 'services'))) {
    if (existsSync(join(root, 'services', service, 'package.json'))) packages.push(`services/${service}/package.json`);
  }
  const byName = new Map<string, Set<string>>();
  for (const path of packages) {
    const pkg = JSON.parse(read(path)) as { name: string; scripts?: Record<string, string> };
    byName.set(path === 'package.json' ? '' : pkg.name, new Set(Object.keys(pkg.scripts ?? {})));
  }
  return byName;
}

describe('the README', () => {
  it('is the front door: at most 250 lines', () => {
    const lines = read('README.md').split('\n').length;
    expect(lines, 'move detail into docs/ (the README links the map)').toBeLessThanOrEqual(250);
  });

  it('lists only make targets that exist in its Make targets section', () => {
    const targets = makeTargetsOf(read('Makefile'));
    const bullets = sectionOf(read('README.md'), 'Make targets')
      .split('\n')
      .filter((line) => /^\s*- /.test(line) || /^\s{2,}\S/.test(line))
      .join('\n');
    const listed = [...bullets.matchAll(/`([a-z][a-z-]*)`/g)].map((m) => m[1] ?? '');
    expect(listed.length).toBeGreaterThan(10);
    expect(listed.filter((word) => !targets.has(word))).toEqual([]);
  });
});

describe.each(documents)('%s', (document) => {
  const text = read(document);

  it('links only to files and headings that exist', () => {
    const broken: string[] = [];
    for (const link of linksOf(text)) {
      const [path = '', anchor] = link.split('#');
      const target = path === '' ? document : relative(root, resolve(root, dirname(document), path));
      if (!existsSync(join(root, target))) {
        broken.push(`${link}: no file ${target}`);
        continue;
      }
      if (anchor !== undefined && target.endsWith('.md') && !headingSlugs(read(target)).has(anchor)) {
        broken.push(`${link}: no heading #${anchor} in ${target}`);
      }
    }
    expect(broken).toEqual([]);
  });

  it('names only repository paths that exist', () => {
    const missing = repositoryPathsIn(text, topLevel).filter((path) => !existsSync(join(root, path)));
    expect(missing).toEqual([]);
  });

  it('names only make targets that exist', () => {
    const targets = makeTargetsOf(read('Makefile'));
    expect(makeTargetsIn(text).filter((target) => !targets.has(target))).toEqual([]);
  });

  it('names only npm scripts that exist', () => {
    const scripts = npmScripts();
    const missing = npmScriptsIn(text).filter(
      ({ script, workspace }) => scripts.get(workspace ?? '')?.has(script) !== true,
    );
    expect(missing).toEqual([]);
  });
});
