/**
 * Reads the synthesized manifests (dist/manifests/*.yaml, `npm run synth`) as objects.
 * CLI: `node --import tsx scripts/manifests.ts namespaces [dir]` prints only the Namespace
 * objects, which scripts/apply.sh applies first so that their labels (sidecar injection, Pod
 * Security) are in place before any pod is created.
 */
import { readdirSync, readFileSync } from 'node:fs';
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

/** A stable identity for comparing object sets. */
export const objectKey = (object: KubeObject): string =>
  `${object.apiVersion}/${object.kind}/${object.metadata.namespace ?? ''}/${object.metadata.name}`;

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, dir = DEFAULT_MANIFESTS_DIR] = process.argv.slice(2);
  if (command !== 'namespaces') {
    console.error('usage: manifests.ts namespaces [dir]');
    process.exit(2);
  }
  const namespaces = readManifests(dir).filter((object) => object.kind === 'Namespace');
  process.stdout.write(namespaces.map((object) => stringify(object)).join('---\n'));
}
