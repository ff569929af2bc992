/**
 * What a newcomer meets before any code: the license, the contributing guide, the Node version the
 * images use, and a Renovate config that keeps every kind of pin current.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (file: string): string => readFileSync(`${root}${file}`, 'utf8');

describe('the house', () => {
  it('is licensed under Apache-2.0, in the license file and the root package', () => {
    expect(read('LICENSE')).toMatch(/^Apache License\s+Version 2\.0, January 2004/);
    expect((JSON.parse(read('package.json')) as { license?: string }).license).toBe('Apache-2.0');
  });

  it('says how to work in CONTRIBUTING.md with commands that exist', () => {
    const guide = read('CONTRIBUTING.md');
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts;
    // A root script; `npm run <x> -w <workspace>` names a workspace's own (test/docs.test.ts checks those).
    const named = [...guide.matchAll(/npm run ([a-z:-]+)(?![a-z:-]| -w)/g)].map((m) => m[1]!);
    expect(named).toEqual(expect.arrayContaining(['test:unit', 'generate', 'chart', 'diagram', 'new-service']));
    expect(named.filter((name) => scripts[name] === undefined)).toEqual([]);
  });

  it('pins in .nvmrc the Node major every Dockerfile stage runs', () => {
    const dockerfile = read('Dockerfile');
    const base = /^ARG NODE_IMAGE=node:(\d+)/m.exec(dockerfile)?.[1];
    const stages = [...dockerfile.matchAll(/^FROM (?:--platform=\S+ )?(\S+)/gm)].map((m) => m[1]);
    expect(stages.length).toBeGreaterThan(0);
    expect(new Set(stages)).toEqual(new Set(['${NODE_IMAGE}']));
    expect(base).toBe(read('.nvmrc').trim());
  });

  it('lets Renovate keep npm, the Dockerfile, the workflows and every tool version in versions.env current', () => {
    const config = JSON.parse(read('renovate.json')) as {
      enabledManagers: string[];
      customManagers: { managerFilePatterns: string[]; matchStrings: string[] }[];
    };
    expect(config.enabledManagers).toEqual(
      expect.arrayContaining(['npm', 'dockerfile', 'github-actions', 'custom.regex']),
    );
    const versions = read('versions.env');
    const pattern = new RegExp(config.customManagers[0]!.matchStrings[0]!, 'g');
    const watched = [...versions.matchAll(pattern)].map((m) => m.groups!.depName);
    const tools = ['KIND', 'KUBECTL', 'HELM', 'ISTIO', 'METRICS_SERVER'];
    expect(watched).toHaveLength(tools.length);
    for (const tool of tools) expect(versions).toMatch(new RegExp(`# renovate: .*\\n${tool}_VERSION=`));
  });
});
