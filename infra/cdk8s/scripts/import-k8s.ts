/**
 * Regenerates infra/cdk8s/imports/k8s.ts, the typed classes of the Kubernetes objects the shop builds
 * without cdk8s-plus-27, for Kubernetes 1.35 (the cluster the kit pins, versions.env):
 *   1. reads cdk8s's published Kubernetes 1.35.0 schema (K8S_DEFINITIONS_FILE when set, else the
 *      pinned URL);
 *   2. keeps the kinds the shop uses and every definition they reference, as
 *      imports/k8s-definitions.json;
 *   3. runs `cdk8s import k8s@1.35.0` on that file, offline (scripts/k8s-schema-offline.mjs hands the
 *      CLI the file instead of its download).
 * `npm run import -w @mesh-kit/infra`; test/imports.test.ts fails when the committed files drift.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const K8S_VERSION = '1.35.0';
/** cdk8s-team/cdk8s commit that last changed kubernetes-schemas/v1.35.0/_definitions.json. */
const SCHEMAS_COMMIT = 'e646a08281be314f3a4f2f55fd26ae76d46c0ad3';
export const K8S_DEFINITIONS_URL = `https://raw.githubusercontent.com/cdk8s-team/cdk8s/${SCHEMAS_COMMIT}/kubernetes-schemas/v${K8S_VERSION}/_definitions.json`;

const infraDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const importsDir = join(infraDir, 'imports');
export const definitionsFile = join(importsDir, 'k8s-definitions.json');

/** The Kubernetes objects the constructs build with typed L1 classes (cdk8s-plus-27 builds the rest). */
export const USED_KINDS: readonly string[] = [
  'io.k8s.api.apps.v1.StatefulSet',
  'io.k8s.api.autoscaling.v2.HorizontalPodAutoscaler',
  'io.k8s.api.batch.v1.Job',
  'io.k8s.api.core.v1.ConfigMap',
  'io.k8s.api.core.v1.Namespace',
  'io.k8s.api.core.v1.Service',
  'io.k8s.api.core.v1.ServiceAccount',
  'io.k8s.api.networking.v1.NetworkPolicy',
  'io.k8s.api.policy.v1.PodDisruptionBudget',
];

type Definitions = Record<string, unknown>;

function references(value: unknown, into: Set<string>): void {
  if (Array.isArray(value)) {
    for (const item of value) references(item, into);
  } else if (value !== null && typeof value === 'object') {
    for (const [key, inner] of Object.entries(value)) {
      if (key === '$ref' && typeof inner === 'string') into.add(inner.replace('#/definitions/', ''));
      else references(inner, into);
    }
  }
}

/** The used kinds of `upstreamJson` and every definition they reach, as the committed JSON text. */
export function selectDefinitions(upstreamJson: string): string {
  const all = (JSON.parse(upstreamJson) as { definitions: Definitions }).definitions;
  const kept = new Set<string>();
  const pending = [...USED_KINDS];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (kept.has(name)) continue;
    if (!(name in all)) throw new Error(`Kubernetes ${K8S_VERSION} schema lacks ${name}`);
    kept.add(name);
    const reached = new Set<string>();
    references(all[name], reached);
    pending.push(...reached);
  }
  const definitions = Object.fromEntries([...kept].sort().map((name) => [name, all[name]]));
  return `${JSON.stringify({ definitions }, null, 2)}\n`;
}

async function readUpstream(): Promise<string> {
  const local = process.env.K8S_DEFINITIONS_FILE;
  if (local !== undefined && existsSync(local)) return readFileSync(local, 'utf8');
  console.log(`K8S_DEFINITIONS_FILE not set; fetching ${K8S_DEFINITIONS_URL}`);
  const response = await fetch(K8S_DEFINITIONS_URL);
  if (!response.ok) throw new Error(`GET ${K8S_DEFINITIONS_URL} answered ${response.status}`);
  return response.text();
}

/** Runs `cdk8s import k8s@K8S_VERSION` on `definitions` (a file) and returns the generated k8s.ts. */
export function generateK8sTypes(definitions: string): string {
  const out = mkdtempSync(join(tmpdir(), 'mesh-kit-import-k8s-'));
  try {
    const local = join(infraDir, 'node_modules/cdk8s-cli/bin/cdk8s');
    const cli = existsSync(local) ? local : resolve(infraDir, '../../node_modules/cdk8s-cli/bin/cdk8s');
    execFileSync(
      process.execPath,
      [
        '--import',
        pathToFileURL(join(infraDir, 'scripts/k8s-schema-offline.mjs')).href,
        cli,
        'import',
        `k8s@${K8S_VERSION}`,
        '--language',
        'typescript',
        '--output',
        out,
        '--no-check-upgrade',
      ],
      {
        cwd: infraDir,
        env: { ...process.env, CDK8S_CHECK_UPGRADE: 'false', K8S_DEFINITIONS_FILE: definitions },
        stdio: 'pipe',
      },
    );
    return readFileSync(join(out, 'k8s.ts'), 'utf8');
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  writeFileSync(definitionsFile, selectDefinitions(await readUpstream()));
  writeFileSync(join(importsDir, 'k8s.ts'), generateK8sTypes(definitionsFile));
  console.log(`imports/k8s.ts regenerated from Kubernetes ${K8S_VERSION}`);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await main();
}
