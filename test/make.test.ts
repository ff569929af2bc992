import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const make = (...args: string[]): string =>
  execFileSync('make', ['--no-print-directory', ...args], { cwd: root, encoding: 'utf8' });

const TARGETS = [
  'help',
  'install',
  'build',
  'test',
  'stack',
  'bench',
  'tools',
  'cluster',
  'istio',
  'addons',
  'images',
  'load',
  'secrets',
  'synth',
  'chart',
  'deploy',
  'port-forward',
  'kiali',
  'jaeger',
  'grafana',
  'prometheus',
  'token',
  'apikey',
  'apikey-revoke',
  'verify',
  'canary',
  'promote',
  'rollback',
  'mirror',
  'chaos',
  'chaos-off',
  'status',
  'logs',
  'undeploy',
  'clean',
];

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
  it('lists every target with one line each, help first and by default', () => {
    const lines = make().trimEnd().split('\n');
    const names = lines.map((line) => line.trim().split(/\s+/)[0]);
    expect(names).toEqual(TARGETS);
    for (const line of lines) expect(line).toMatch(/^ {2}[a-z-]+ +\S.{10,}$/);
  });

  it.each([
    [['canary', 'SERVICE=storefront', 'WEIGHT=20'], 'scripts/traffic.sh canary "storefront" "20"'],
    [['promote', 'SERVICE=storefront'], 'scripts/traffic.sh promote "storefront"'],
    [['rollback', 'SERVICE=storefront'], 'scripts/traffic.sh rollback "storefront"'],
    [['mirror', 'SERVICE=storefront', 'PERCENT=10'], 'scripts/traffic.sh mirror "storefront" "10"'],
    [['chaos', 'SCENARIO=users-slow'], 'scripts/traffic.sh chaos "users-slow"'],
    [['chaos-off'], 'scripts/traffic.sh chaos-off'],
  ])('make -n %j changes the traffic state, then synthesizes and applies it', (args, first) => {
    expect(
      make('-n', ...args)
        .trim()
        .split('\n'),
    ).toEqual([first, 'scripts/synth.sh', 'scripts/apply.sh']);
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
