/**
 * `npm run new-service -- <name> [--database] [--consumes <subject>] [--calls <service>]...`:
 * adds a service. Writes the workspace services/<name> (package.json, a src-only tsconfig, src
 * with config, server and a router, plus an app, or a consumer service definition and its handler;
 * a test; a store and migration when it owns a database), adds it to the root tsconfig's
 * references and to package-lock.json (npm install), appends its entry to the catalog, and
 * regenerates what derives from it (`npm run generate`: the chart, the dashboard, the diagram and the
 * docs' tables). What is left is editing that catalog entry and the
 * code (docs/adding-a-service.md).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as prettier from 'prettier';
import { catalog as shopCatalog, type Catalog } from '@mesh-kit/catalog';
import { insertCatalogEntry } from './new-service/catalog-entry.js';
import { parseNewServiceArgs, UsageError, type NewServiceOptions } from './new-service/options.js';
import { workspaceFiles, type LibraryVersions } from './new-service/templates.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const CATALOG = 'packages/catalog/src/catalog.ts';

async function formatted(path: string, text: string, root: string): Promise<string> {
  const file = join(root, path);
  const config = (await prettier.resolveConfig(file)) ?? {};
  return prettier.format(text, { ...config, filepath: file });
}

function libraryVersions(root: string): LibraryVersions {
  const runtime = JSON.parse(readFileSync(join(root, 'services/runtime/package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
  };
  const pick = (name: 'express' | 'zod' | 'pg'): string => {
    const version = runtime.dependencies[name];
    if (version === undefined) throw new Error(`services/runtime/package.json: no ${name} dependency to pin to`);
    return version;
  };
  return { express: pick('express'), zod: pick('zod'), pg: pick('pg') };
}

/**
 * The root tsconfig with a reference to the new workspace, after the other services' (the build
 * and the typecheck follow references; the root's globs already cover services/<name>/test).
 */
export function withReference(tsconfigText: string, path: string): string {
  const tsconfig = JSON.parse(tsconfigText) as { references?: { path: string }[] };
  const references = [...(tsconfig.references ?? [])];
  if (!references.some((reference) => reference.path === path)) {
    const folder = path.slice(0, path.lastIndexOf('/') + 1);
    const lastSibling = references.findLastIndex((reference) => reference.path.startsWith(folder));
    references.splice(lastSibling === -1 ? references.length : lastSibling + 1, 0, { path });
  }
  return `${JSON.stringify({ ...tsconfig, references }, null, 2)}\n`;
}

/** Writes the workspace, the tsconfig reference and the catalog entry; returns the paths written. */
export async function scaffold(options: NewServiceOptions, root: string, catalog: Catalog): Promise<string[]> {
  const folder = `services/${options.name}`;
  if (existsSync(join(root, folder))) throw new UsageError(`<name>: ${folder} already exists`);
  const written: string[] = [];
  const write = async (path: string, text: string): Promise<void> => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), path.endsWith('.sql') ? text : await formatted(path, text, root));
    written.push(path);
  };
  for (const [path, text] of workspaceFiles(options, libraryVersions(root))) await write(path, text);
  await write('tsconfig.json', withReference(readFileSync(join(root, 'tsconfig.json'), 'utf8'), folder));
  await write(CATALOG, insertCatalogEntry(readFileSync(join(root, CATALOG), 'utf8'), options, catalog));
  return written;
}

function run(command: string, args: readonly string[], root: string): void {
  console.log(`new-service: ${command} ${args.join(' ')}`);
  execFileSync(command, args, { cwd: root, stdio: 'inherit' });
}

async function main(): Promise<void> {
  let options: NewServiceOptions;
  try {
    options = parseNewServiceArgs(process.argv.slice(2), shopCatalog);
    const written = await scaffold(options, ROOT, shopCatalog);
    for (const path of written) console.log(`new-service: wrote ${path}`);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`new-service: ${error.message}`);
    process.exit(2);
  }
  // package-lock.json learns the workspace, and node_modules links it; nothing new is downloaded.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund'], ROOT);
  run('npm', ['run', '--silent', 'generate', '--', '--skip-crd-types'], ROOT);
  console.log(
    [
      '',
      `new-service: ${options.name} is in the catalog (${CATALOG}) and everything generated from it.`,
      'Next: edit its catalog entry (routes, timeouts, calls, gateway, resources) and its code, then',
      '  npm run generate   (after each catalog change)',
      `  npx tsc -b && npx vitest run services/${options.name}`,
      "  npm run analyze   (fails when the new pod's requests exceed the catalog's requestBudget: raise it on purpose)",
      'See docs/adding-a-service.md.',
    ].join('\n'),
  );
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main();
}
