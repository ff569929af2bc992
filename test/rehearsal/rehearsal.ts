/**
 * A user's machine in a folder: a fresh `git clone` of this repository (file modes and ignored
 * files as a user gets them), `make tools` already done with recording stand-ins for kind,
 * kubectl, docker, istioctl and helm in its ./bin, and make run the way a user types it.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
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
  /** The images the stand-in kind node holds (`kind load`ed so far). */
  nodeImages(): string[];
  remove(): void;
}

export function cloneForRehearsal(): Rehearsal {
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
    nodeImages: () => {
      const file = join(state, 'node-images');
      return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
    },
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}
