/**
 * The benchmarks measure the services on the Node.js major the image ships (the Dockerfile's
 * `FROM node:<major>-…`), not on whatever Node runs the script: on this kit's 2-core machine Node 24
 * serves the same request for about half the CPU of Node 20, so figures from the wrong Node say
 * little about the pods. The binary comes from the npm registry (`node-<platform>-<arch>@<major>`,
 * the packages behind npm's `node` package) into `.bench/node/<major>/`; `BENCH_NODE=current` keeps
 * the running Node, `BENCH_NODE=<path>` names a binary.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repoRoot = resolve(import.meta.dirname, '../..');

/**
 * The Node.js major of the image's runtime stage (the Dockerfile's last `FROM node:<major>…`, or
 * `FROM ${ARG}` with the default an `ARG ARG=node:<major>…` before it gives).
 */
export function imageNodeMajor(dockerfile = join(repoRoot, 'Dockerfile')): number {
  const text = readFileSync(dockerfile, 'utf8');
  const defaults = new Map([...text.matchAll(/^ARG\s+(\w+)=(\S+)/gm)].map((m) => [m[1], m[2]]));
  const majors = [...text.matchAll(/^FROM\s+(?:--\S+\s+)*(\S+)/gm)]
    .map((m) => (m[1] ?? '').replace(/^\$\{?(\w+)\}?$/, (whole, name: string) => defaults.get(name) ?? whole))
    .flatMap((image) => /^node:(\d+)/.exec(image)?.[1] ?? [])
    .map(Number);
  const last = majors.at(-1);
  if (last === undefined) throw new Error(`${dockerfile}: no FROM node:<major> line`);
  return last;
}

/** Downloads node-<platform>-<arch>@<major> from the npm registry into .bench/node/<major>; returns its binary. */
function fetchNode(major: number): string {
  const dir = join(repoRoot, '.bench', 'node', String(major));
  const binary = join(dir, 'bin', 'node');
  if (existsSync(binary)) return binary;
  const work = mkdtempSync(join(tmpdir(), 'mesh-kit-node-'));
  try {
    const spec = `node-${process.platform}-${process.arch}@${major}`;
    const tarball = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', work], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .at(-1)!;
    execFileSync('tar', ['-xzf', join(work, tarball), '-C', work]);
    mkdirSync(join(repoRoot, '.bench', 'node'), { recursive: true });
    rmSync(dir, { recursive: true, force: true });
    renameSync(join(work, 'package'), dir);
    return binary;
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/**
 * Re-runs this script under the image's Node unless it already runs there (or BENCH_NODE says
 * otherwise); returns only in the process that should do the work. When the binary cannot be had
 * (no registry, another platform), it says so and measures on the running Node.
 */
export function runUnderImageNode(label: string): void {
  const choice = process.env.BENCH_NODE ?? 'image';
  if (choice === 'current') return;
  let binary: string;
  if (choice === 'image') {
    const major = imageNodeMajor();
    if (Number(process.versions.node.split('.')[0]) === major) return;
    try {
      binary = fetchNode(major);
    } catch (error) {
      process.stderr.write(
        `${label}: could not get Node ${major} (the image's) from the npm registry, measuring on ${process.version}: ${error instanceof Error ? error.message : String(error)}\n`,
      );
      return;
    }
  } else {
    binary = choice;
  }
  process.stderr.write(`${label}: running under ${binary} (BENCH_NODE=current keeps ${process.version})\n`);
  const result = spawnSync(binary, [...process.execArgv, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_NODE: 'current' },
  });
  process.exit(result.status ?? 1);
}
