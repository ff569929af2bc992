/**
 * Reads the synthesized manifests (dist/manifests/*.yaml, `npm run synth`) as objects.
 * CLI for scripts/apply.sh, `node --import tsx scripts/manifests.ts split <dir or file> <outdir>`,
 * which writes into <outdir>, in one start of Node:
 * - `namespaces.yaml`: the Namespace objects, applied first so that their labels (sidecar
 *   injection, Pod Security) are in place before any pod is created;
 * - `data.yaml`: the data tier (objects labelled `mesh-kit.dev/tier: data`), applied and waited
 *   for before the services;
 * - `workloads.yaml`: every object but the routes, `routes-subsets.yaml` (DestinationRules) and
 *   `routes-weights.yaml` (VirtualServices), so that a version is running before any route names it;
 * - `jobs`: `job.batch/<name>` for each Job, one per line, and `data-jobs` for those of the data tier;
 * - `prunable`: `<kind>.<group>/<name>` (kubectl's `-o name`) for each Deployment,
 *   PodDisruptionBudget and HorizontalPodAutoscaler: what a rollback or promotion may leave behind.
 */
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments, stringify } from 'yaml';

export interface KubeObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly metadata: { readonly name: string; readonly namespace?: string; readonly [key: string]: unknown };
  readonly [key: string]: unknown;
}

export const DEFAULT_MANIFESTS_DIR = 'dist/manifests';
/** The label that marks the data tier (PostgreSQL, NATS, the database init Job). */
export const TIER_LABEL = 'mesh-kit.dev/tier';

export function parseManifests(text: string, source: string): KubeObject[] {
  return parseAllDocuments(text).flatMap((doc, index) => {
    if (doc.errors.length > 0) throw new Error(`${source}: document ${index + 1}: ${doc.errors[0]?.message}`);
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) return [];
    const object = value as Partial<KubeObject>;
    if (typeof object.kind !== 'string' || typeof object.metadata?.name !== 'string') {
      throw new Error(`${source}: document ${index + 1} is not a Kubernetes object (kind and metadata.name)`);
    }
    return [object as KubeObject];
  });
}

/** Every object in the directory's .yaml files, files in name order. */
export function readManifests(dir: string): KubeObject[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((file) => file.endsWith('.yaml') || file.endsWith('.yml'));
  } catch {
    throw new Error(`${dir} not found: run \`npm run synth\` (or \`make synth\`) first`);
  }
  if (files.length === 0) throw new Error(`${dir} holds no .yaml files: run \`npm run synth\` first`);
  return files.sort().flatMap((file) => parseManifests(readFileSync(join(dir, file), 'utf8'), join(dir, file)));
}

/** The objects of a directory of manifests or of one multi-document file. */
export function readObjects(path: string): KubeObject[] {
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new Error(`${path} not found: run \`npm run synth\` (or \`make synth\`) first`);
  }
  return isFile ? parseManifests(readFileSync(path, 'utf8'), path) : readManifests(path);
}

const labels = (object: KubeObject): Readonly<Record<string, string>> =>
  (object.metadata['labels'] as Record<string, string> | undefined) ?? {};

const documents = (objects: readonly KubeObject[]): string => objects.map((object) => stringify(object)).join('---\n');
const isRoute = (object: KubeObject, kind: string): boolean =>
  object.kind === kind && object.apiVersion.startsWith('networking.istio.io/');

const inDataTier = (object: KubeObject): boolean => labels(object)[TIER_LABEL] === 'data';
const jobNames = (objects: readonly KubeObject[]): string =>
  objects
    .filter((object) => object.kind === 'Job')
    .map((object) => `job.batch/${object.metadata.name}\n`)
    .join('');

/** The files `split` writes, by name. */
export function splitManifests(objects: readonly KubeObject[]): Record<string, string> {
  return {
    'namespaces.yaml': documents(objects.filter((object) => object.kind === 'Namespace')),
    'data.yaml': documents(objects.filter(inDataTier)),
    'workloads.yaml': documents(
      objects.filter((object) => !isRoute(object, 'VirtualService') && !isRoute(object, 'DestinationRule')),
    ),
    'routes-subsets.yaml': documents(objects.filter((object) => isRoute(object, 'DestinationRule'))),
    'routes-weights.yaml': documents(objects.filter((object) => isRoute(object, 'VirtualService'))),
    jobs: jobNames(objects),
    'data-jobs': jobNames(objects.filter(inDataTier)),
    prunable: objects
      .filter((object) => PRUNABLE[object.kind] !== undefined)
      .map((object) => `${PRUNABLE[object.kind]}/${object.metadata.name}\n`)
      .join(''),
  };
}

/** The kinds a version change adds and removes, as kubectl names them (`-o name`). */
export const PRUNABLE: Readonly<Record<string, string>> = {
  Deployment: 'deployment.apps',
  PodDisruptionBudget: 'poddisruptionbudget.policy',
  HorizontalPodAutoscaler: 'horizontalpodautoscaler.autoscaling',
};

/** A stable identity for comparing object sets. */
export const objectKey = (object: KubeObject): string =>
  `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, path = DEFAULT_MANIFESTS_DIR, outdir] = process.argv.slice(2);
  if (command !== 'split' || outdir === undefined) {
    console.error('usage: manifests.ts split <dir or file> <outdir>');
    process.exit(2);
  }
  try {
    for (const [name, text] of Object.entries(splitManifests(readObjects(path))))
      writeFileSync(join(outdir, name), text);
  } catch (error) {
    console.error(`manifests.ts: ${(error as Error).message}`);
    process.exit(1);
  }
}
