/**
 * A throwaway copy of this repository to change freely: a `git clone` (what is committed, as a
 * user gets it) with node_modules hard-linked from here (what `npm ci` would put there) and this
 * checkout's build outputs copied (so `tsc -b` there only rebuilds what the copy changes).
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface WorkingCopy {
  readonly dir: string;
  /** Runs a command in the copy; the output joins stdout and stderr. */
  run(
    command: string,
    args: readonly string[],
    env?: Record<string, string>,
  ): { status: number | null; output: string };
  remove(): void;
}

/** dist folders and *.tsbuildinfo files outside node_modules, relative to `dir`. */
function buildOutputs(dir: string): string[] {
  const found: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'node_modules' || entry.name === '.git') continue;
        if (entry.name === 'dist') found.push(relative(dir, full));
        else walk(full);
      } else if (entry.name.endsWith('.tsbuildinfo')) {
        found.push(relative(dir, full));
      }
    }
  };
  walk(dir);
  return found;
}

/** Environment for tools run in the copy, without the variables of the vitest run this is part of. */
function childEnv(env: Record<string, string>): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^(VITEST|TINYPOOL|NODE_OPTIONS$)/.test(key)),
  );
  return { ...inherited, CI: 'true', NO_COLOR: '1', ...env };
}

export function workingCopy(): WorkingCopy {
  const home = mkdtempSync(join(tmpdir(), 'mesh-kit-copy-'));
  const dir = join(home, 'mesh-kit');
  const sh = (command: string, args: readonly string[], cwd: string): SpawnSyncReturns<string> =>
    spawnSync(command, args, { cwd, encoding: 'utf8' });
  const cloned = sh('git', ['clone', '--quiet', root, dir], home);
  if (cloned.status !== 0) throw new Error(`git clone: ${cloned.stderr}`);
  const linked = sh('cp', ['-al', join(root, 'node_modules'), join(dir, 'node_modules')], home);
  if (linked.status !== 0) throw new Error(`cp node_modules: ${linked.stderr}`);
  // Files tools rewrite in place would change this checkout's copy through the hard link: give
  // the copy its own (npm's record of the tree) or none (caches).
  rmSync(join(dir, 'node_modules', '.package-lock.json'), { force: true });
  cpSync(join(root, 'node_modules', '.package-lock.json'), join(dir, 'node_modules', '.package-lock.json'));
  rmSync(join(dir, 'node_modules', '.vite'), { recursive: true, force: true });
  rmSync(join(dir, 'node_modules', '.cache'), { recursive: true, force: true });
  for (const output of buildOutputs(root)) {
    cpSync(join(root, output), join(dir, output), { recursive: true, preserveTimestamps: true });
  }
  return {
    dir,
    run(command, args, env = {}) {
      const result = spawnSync(command, args, { cwd: dir, encoding: 'utf8', env: childEnv(env) });
      return { status: result.status, output: `${result.stdout}${result.stderr}` };
    },
    remove: () => rmSync(home, { recursive: true, force: true }),
  };
}
