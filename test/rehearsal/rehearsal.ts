/**
 * A user's machine in a folder: a fresh `git clone` of this repository (file modes and ignored
 * files as a user gets them), `make tools` already done with recording stand-ins for kind,
 * kubectl, docker, istioctl and helm in its ./bin, and make run the way a user types it.
 *
 * `dockerOnly`: the README's minimum, Docker and make. The machine's node is too old (a stand-in
 * that fails node_run's version check), so every Node step goes through `docker run`, which the
 * docker stand-in runs with only the container's mounts, variables and tools (node and a shell).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  symlinkSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readVersions, writeIstioRelease } from '../support/istio-release.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const STAND_IN = join(root, 'test', 'rehearsal', 'stand-in.sh');
const TOOLS = ['kind', 'kubectl', 'docker', 'istioctl', 'helm', 'curl'] as const;

export interface MakeRun {
  readonly status: number | null;
  readonly output: string;
  /** The tool calls this run made, in order (`kubectl --context … apply …`). */
  readonly calls: readonly string[];
  /** The scripts that printed progress, in order of their first `==> <script>:` line. */
  readonly steps: readonly string[];
}

export interface Rehearsal {
  readonly clone: string;
  make(target: string, env?: Record<string, string>, timeoutMs?: number): MakeRun;
  git(...args: string[]): string;
  remove(): void;
}

/** What the node image's container has on its PATH: node, npm and a shell with its basic tools. */
const CONTAINER_TOOLS = ['sh', 'cat', 'ls', 'mkdir', 'rm', 'cp', 'mv', 'env', 'dirname', 'basename', 'sed', 'grep'];

function containerPath(home: string): string {
  const dir = join(home, 'container-bin');
  mkdirSync(dir);
  symlinkSync(process.execPath, join(dir, 'node'));
  const npmBin = join(dirname(process.execPath), '..', 'lib', 'node_modules', 'npm', 'bin');
  symlinkSync(join(npmBin, 'npm-cli.js'), join(dir, 'npm'));
  symlinkSync(join(npmBin, 'npx-cli.js'), join(dir, 'npx'));
  for (const tool of CONTAINER_TOOLS) {
    const found = ['/bin', '/usr/bin'].map((d) => join(d, tool)).find((path) => existsSync(path));
    if (found !== undefined) symlinkSync(found, join(dir, tool));
  }
  return dir;
}

export function cloneForRehearsal(options: { dockerOnly?: boolean } = {}): Rehearsal {
  const home = mkdtempSync(join(tmpdir(), 'mesh-kit-rehearsal-'));
  const clone = join(home, 'mesh-kit');
  const state = join(home, 'stand-in-state');
  const git = (...args: string[]): string => {
    const result = spawnSync('git', args, { cwd: clone, encoding: 'utf8' });
    if (result.status !== 0) throw new Error(`git ${args.join(' ')}: ${result.stderr}`);
    return result.stdout;
  };
  const cloned = spawnSync('git', ['clone', '--quiet', root, clone], { encoding: 'utf8' });
  if (cloned.status !== 0) throw new Error(`git clone: ${cloned.stderr}`);
  // What `npm ci` would put there, as hard links: the rehearsal is about make, not the registry.
  const copied = spawnSync('cp', ['-al', join(root, 'node_modules'), join(clone, 'node_modules')]);
  if (copied.status !== 0) throw new Error(`cp node_modules: ${String(copied.stderr)}`);

  const bin = join(clone, 'bin');
  mkdirSync(bin);
  for (const tool of TOOLS) {
    copyFileSync(STAND_IN, join(bin, tool));
    chmodSync(join(bin, tool), 0o755);
  }
  // The markers scripts/tools.sh leaves for the versions it installed.
  const versions = readVersions();
  for (const [tool, key] of [
    ['kind', 'KIND_VERSION'],
    ['kubectl', 'KUBECTL_VERSION'],
    ['helm', 'HELM_VERSION'],
    ['istioctl', 'ISTIO_VERSION'],
  ] as const) {
    writeFileSync(join(bin, `.${tool}-${versions[key]}`), '');
  }
  writeIstioRelease(bin);
  const dockerOnly: Record<string, string> = {};
  if (options.dockerOnly === true) {
    // Older than node_run's minimum (20.19), so node_run takes the docker path.
    writeFileSync(join(bin, 'node'), '#!/bin/sh\nexit 1\n');
    chmodSync(join(bin, 'node'), 0o755);
    dockerOnly['STANDIN_CONTAINER_PATH'] = containerPath(home);
  }

  // The helm stand-in renders with the real helm (what CI's chart tests use).
  const helm = process.env['HELM'] ?? join(root, 'bin', 'ci', 'helm');
  if (!existsSync(helm)) execFileSync('bash', ['scripts/ci-helm.sh'], { cwd: root, stdio: 'ignore' });

  const callsLog = join(state, 'calls.log');
  return {
    clone,
    git,
    make(target, env = {}, timeoutMs = 180_000) {
      rmSync(callsLog, { force: true });
      const result = spawnSync('make', ['--no-print-directory', target], {
        cwd: clone,
        encoding: 'utf8',
        timeout: timeoutMs,
        env: {
          PATH: `${bin}:${process.env['PATH'] ?? ''}`,
          HOME: home,
          STANDIN_STATE: state,
          STANDIN_HELM: helm,
          ...dockerOnly,
          ...env,
        },
      });
      const output = `${result.stdout}${result.stderr}`;
      const calls = existsSync(callsLog) ? readFileSync(callsLog, 'utf8').split('\n').filter(Boolean) : [];
      const steps: string[] = [];
      for (const match of output.matchAll(/^==> ([a-z-]+):/gm)) {
        const script = match[1] ?? '';
        if (!steps.includes(script)) steps.push(script);
      }
      return { status: result.status, output, calls, steps };
    },
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}
