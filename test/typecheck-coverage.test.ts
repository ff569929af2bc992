import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const rel = (path: string): string => relative(root, path).split(sep).join('/');

interface Project {
  /** The tsconfig file, relative to the repository. */
  readonly config: string;
  readonly options: ts.CompilerOptions;
  /** The files its `include`/`files` select, relative to the repository. */
  readonly files: readonly string[];
}

/** Every project `tsc -b` builds from the root tsconfig.json: the root and what it references, transitively. */
function buildGraph(): Project[] {
  const projects = new Map<string, Project>();
  const visit = (configPath: string): void => {
    if (projects.has(configPath)) return;
    const parsed = ts.getParsedCommandLineOfConfigFile(
      configPath,
      {},
      {
        ...ts.sys,
        onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
          throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
        },
      },
    );
    if (parsed === undefined) throw new Error(`${rel(configPath)}: unreadable`);
    projects.set(configPath, { config: rel(configPath), options: parsed.options, files: parsed.fileNames.map(rel) });
    for (const reference of parsed.projectReferences ?? []) visit(ts.resolveProjectReferencePath(reference));
  };
  visit(join(root, 'tsconfig.json'));
  return [...projects.values()];
}

/** The .ts and .tsx files git knows: tracked, plus new ones not ignored (so a missing glob shows before the commit). */
function repositoryTypeScript(): string[] {
  const out = execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard', '--', '*.ts', '*.tsx'], {
    cwd: root,
    encoding: 'utf8',
  });
  return out
    .split('\n')
    .filter((file) => file !== '' && existsSync(join(root, file)))
    .sort();
}

/** The workspace folders package.json declares (`services/*` expands to its folders with a package.json). */
function workspaces(): string[] {
  const declared = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { workspaces: string[] })
    .workspaces;
  return declared.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    return readdirSync(join(root, parent), { withFileTypes: true })
      .filter((entry) => entry.isDirectory() && existsSync(join(root, parent, entry.name, 'package.json')))
      .map((entry) => `${parent}/${entry.name}`);
  });
}

describe('npm run typecheck covers every TypeScript file', () => {
  const projects = buildGraph();

  it('selects each .ts file of the repository in a project the root build reaches', () => {
    const covered = new Set(projects.flatMap((p) => p.files));
    const uncovered = repositoryTypeScript().filter((file) => !covered.has(file));
    expect(
      uncovered,
      'not type-checked by npm run typecheck: extend an include glob of tsconfig.json, or give the new workspace a tsconfig.json referenced from it',
    ).toEqual([]);
  });

  it('builds every workspace, each from its own tsconfig.json', () => {
    const configs = new Set(projects.map((p) => p.config));
    const missing = workspaces().filter((workspace) => !configs.has(`${workspace}/tsconfig.json`));
    expect(missing, 'add { "path": "<workspace>" } to the references of tsconfig.json').toEqual([]);
  });

  it("compiles only src/ into a service's image (Dockerfiles run tsc -b services/<name>)", () => {
    for (const project of projects.filter((p) => /^services\/[^/]+\/tsconfig\.json$/.test(p.config))) {
      const src = `${dirname(project.config)}/src/`;
      expect(
        project.files.filter((file) => !file.startsWith(src)),
        project.config,
      ).toEqual([]);
    }
  });

  it('writes build output only into ignored dist/ folders, and nothing for the tests', () => {
    for (const project of projects) {
      if (project.options.noEmit === true) continue;
      const outDir = project.options.outDir;
      expect(outDir === undefined ? undefined : rel(outDir).split('/'), project.config).toContain('dist');
    }
    expect(projects.find((p) => p.config === 'tsconfig.json')?.options.noEmit).toBe(true);
  });
});
