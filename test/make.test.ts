import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { makeGroups, makeTargets } from '../scripts/generated/make-targets.js';
import { makeTargetsOf } from './support/markdown.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const make = (...args: string[]): string =>
  execFileSync('make', ['--no-print-directory', ...args], { cwd: root, encoding: 'utf8' });
const makefile = readFileSync(join(root, 'Makefile'), 'utf8');

/** A target's recipe, its prerequisites' recipes and every script they run, transitively. */
function whatRuns(target: string, text: string, seen = new Set<string>()): string {
  if (seen.has(target)) return '';
  seen.add(target);
  const at = text.search(new RegExp(`^${target}:`, 'm'));
  if (at < 0) throw new Error(`no target ${target}`);
  const [line = '', ...rest] = text.slice(at).split('\n');
  const recipe = rest
    .slice(
      0,
      rest.findIndex((l) => !l.startsWith('\t')),
    )
    .join('\n');
  const prerequisites = (/^[^:]+:([^#]*)/.exec(line)?.[1] ?? '').split(/\s+/).filter(Boolean);
  return [recipe, ...prerequisites.map((p) => whatRuns(p, text, seen)), scriptsOf(recipe, seen)].join('\n');
}

function scriptsOf(text: string, seen: Set<string>): string {
  const paths = [...text.matchAll(/scripts\/[\w./-]+\.(?:sh|ts)/g)].map((m) => m[0]);
  if (/\blib\.sh\b/.test(text)) paths.push('scripts/lib.sh');
  return paths
    .filter((path) => !seen.has(path) && existsSync(join(root, path)) && seen.add(path))
    .map((path) => {
      const script = readFileSync(join(root, path), 'utf8');
      return `${script}\n${scriptsOf(script, seen)}`;
    })
    .join('\n');
}

/** The variables `target`'s help names that nothing it runs reads. */
function unreadVariables(target: string, text = makefile): string[] {
  const runs = whatRuns(target, text);
  const reads = (name: string): boolean =>
    new RegExp(`\\$\\(${name}\\)|\\$\\{?${name}\\b|env\\.${name}\\b|env\\[['"]${name}['"]\\]`).test(runs);
  const found = makeTargets(text).find((t) => t.name === target);
  return (found?.reads ?? []).filter((name) => !reads(name));
}

const DEPLOY_SEQUENCE = [
  'scripts/tools.sh',
  'scripts/cluster.sh',
  'scripts/istio.sh',
  'scripts/addons.sh',
  'scripts/images.sh',
  'scripts/load.sh',
  'scripts/secrets.sh',
  'scripts/synth.sh',
  'scripts/apply.sh',
];

describe('make', () => {
  it('lists every target by group, help first and by default, each with the variables it reads', () => {
    const help = make();
    const targets = makeTargets(makefile);
    expect(targets[0]?.name).toBe('help');
    expect(targets.map((t) => t.name).sort()).toEqual([...makeTargetsOf(makefile)].sort());
    const expected = [...makeGroups(targets)]
      .map(([group, members]) =>
        [
          group,
          ...members.flatMap((t) => [
            `  ${t.name.padEnd(14)} ${t.description}`,
            ...(t.reads.length > 0 ? [`  ${''.padEnd(14)} reads ${t.reads.join(' ')}`] : []),
          ]),
        ].join('\n'),
      )
      .join('\n\n');
    expect(help.trimEnd()).toBe(expected);
    expect([...makeGroups(targets).keys()]).toEqual(
      expect.arrayContaining(['develop', 'cluster', 'images', 'deploy', 'observe', 'traffic']),
    );
    for (const target of targets) expect(target.description.length, target.name).toBeGreaterThan(10);
  });

  it.each(makeTargets(makefile).filter((t) => t.reads.length > 0))(
    'make $name reads each variable its help names',
    (target) => {
      expect(unreadVariables(target.name)).toEqual([]);
    },
  );

  it('finds a variable named in help that the recipe and its scripts never read', () => {
    const fake = `${makefile}\n##@ x\nfake: ## Does nothing useful at all [SUB NOT_READ_ANYWHERE]\n\tscripts/token.sh\n`;
    expect(unreadVariables('fake', fake)).toEqual(['NOT_READ_ANYWHERE']);
  });

  it.each([
    [['canary', 'SERVICE=storefront', 'WEIGHT=20'], 'scripts/traffic.sh canary "storefront" "20"'],
    [['promote', 'SERVICE=storefront'], 'scripts/traffic.sh promote "storefront"'],
    [['rollback', 'SERVICE=storefront'], 'scripts/traffic.sh rollback "storefront"'],
    [['mirror', 'SERVICE=storefront', 'PERCENT=10'], 'scripts/traffic.sh mirror "storefront" "10"'],
    [['chaos', 'SCENARIO=users-slow'], 'scripts/traffic.sh chaos "users-slow"'],
    [['chaos-off'], 'scripts/traffic.sh chaos-off'],
  ])('make -n %j changes the traffic state, then synthesizes with the running tags and applies it', (args, first) => {
    expect(
      make('-n', ...args)
        .trim()
        .split('\n'),
    ).toEqual([first, 'TAGS_FROM=cluster scripts/synth.sh', 'scripts/apply.sh']);
  });

  it.each(['kiali', 'jaeger', 'grafana', 'prometheus'])('make -n %s opens that dashboard', (name) => {
    expect(make('-n', name).trim()).toBe(`scripts/dashboard.sh ${name}`);
  });

  it('deploy runs tools, cluster, istio, addons, images, load, secrets, synth, then apply, in that order', () => {
    expect(make('-n', 'deploy').trim().split('\n')).toEqual(DEPLOY_SEQUENCE);
  });

  it('deploy onto another cluster runs the same steps (each script skips what does not apply)', () => {
    const lines = make('-n', 'deploy', 'REGISTRY=ghcr.io/me', 'CONTEXT=prod').trim().split('\n');
    expect(lines).toEqual(DEPLOY_SEQUENCE);
  });

  it('never runs the deploy steps in parallel', () => {
    expect(make('-n', '-j4', 'deploy').trim().split('\n')).toEqual(DEPLOY_SEQUENCE);
  });
});
