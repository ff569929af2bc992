import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { dockerfileProblems, parseDockerfile, type Stage } from './support/dockerfile.js';

const root = new URL('..', import.meta.url);
/** The workspaces every image carries besides its service's own. */
const LIBRARIES = ['@mesh-kit/catalog', '@mesh-kit/runtime'];
const dockerfile = readFileSync(new URL('Dockerfile', root), 'utf8');
const stages = parseDockerfile(dockerfile);
const stage = (name: string | undefined): Stage => {
  const found = stages.find((s) => s.name === name);
  if (found === undefined) throw new Error(`the Dockerfile has no stage '${name}'`);
  return found;
};
const args = (of: Stage, keyword: string): string[] =>
  of.instructions.filter((i) => i.keyword === keyword).map((i) => i.args);
const final = stages.at(-1)!;

describe('the Dockerfile of every service', () => {
  it('is the only Dockerfile: one per service would be copies of it', () => {
    const git = spawnSync('git', ['ls-files', '*Dockerfile*'], { cwd: root, encoding: 'utf8' });
    expect(git.stdout.trim().split('\n')).toEqual(['Dockerfile']);
  });

  it('is non-root by number, on a pinned base, with an exec-form entrypoint and production dependencies only', () => {
    expect(dockerfileProblems(dockerfile)).toEqual([]);
  });

  it('uses the same Node base image in every stage', () => {
    expect([...new Set(stages.map((s) => s.from))]).toEqual(['node:24-alpine']);
  });

  // issue 20, finding 7: the runtime image kept npm, and installs ran every package's scripts.
  it('runs no install script: every npm ci has --ignore-scripts', () => {
    const installs = stages.flatMap((s) => args(s, 'RUN')).filter((run) => /\bnpm (ci|install|i)\b/.test(run));
    expect(installs).toHaveLength(2);
    for (const run of installs) expect(run).toMatch(/--ignore-scripts\b/);
  });

  it('keeps node alone in the runtime stage: npm, npx, corepack and yarn are removed and the build checks it', () => {
    const runs = args(final, 'RUN');
    const removal = runs.find((run) => run.includes('/usr/local/lib/node_modules'));
    expect(removal).toBeDefined();
    expect(removal).toMatch(/rm -rf \/usr\/local\/lib\/node_modules\b/);
    for (const tool of ['npm', 'npx', 'corepack', 'yarn']) {
      expect(removal).toContain(`/usr/local/bin/${tool}`);
    }
    expect(removal).toMatch(/for tool in npm npx corepack yarn; do ! command -v "\$tool"/);
    // Nothing after it runs npm (it is gone), and the entrypoint is node itself.
    expect(runs.filter((run) => /\bnp[mx]\b/.test(run) && run !== removal)).toEqual([]);
  });

  it("runs the service's own server from its workspace, whichever SERVICE it is built for", () => {
    for (const s of stages) expect(args(s, 'ARG'), `stage ${s.name ?? 'final'}`).toContain('SERVICE');
    expect(args(final, 'WORKDIR').at(-1)).toBe('/app/services/${SERVICE}');
    expect(JSON.parse(args(final, 'ENTRYPOINT')[0] ?? '[]')).toEqual(['node', 'dist/server.js']);
  });

  it("includes the catalog's and the runtime's production dependencies beside the service's", () => {
    const copies = args(final, 'COPY');
    expect(copies).toContain('--from=deps /app/packages/catalog/node_modules packages/catalog/node_modules/');
    expect(copies).toContain('--from=deps /app/services/runtime/node_modules services/runtime/node_modules/');
    expect(copies).toContain('--from=deps /app/services/${SERVICE}/node_modules services/${SERVICE}/node_modules/');
    expect(copies).toContain('--from=build /app/out/ ./');
  });

  it('fails at once, naming the argument, when SERVICE is not given', () => {
    const check = args(stage('build'), 'RUN')[0] ?? '';
    const run = spawnSync('sh', ['-c', check], { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '' } });
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('--build-arg SERVICE=');
  });

  it('builds every catalog service: a server in a workspace that needs no other workspace than the two libraries', () => {
    for (const service of catalog.services) {
      const folder = new URL(`services/${service.name}/`, root);
      expect(existsSync(new URL('src/server.ts', folder)), `${service.name}: src/server.ts`).toBe(true);
      const manifest = JSON.parse(readFileSync(new URL('package.json', folder), 'utf8')) as {
        dependencies?: Record<string, string>;
      };
      const workspaces = Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@mesh-kit/'));
      expect(
        workspaces.filter((name) => !LIBRARIES.includes(name)),
        service.name,
      ).toEqual([]);
    }
  });

  it('a service owns a migrations folder exactly when it owns a database', () => {
    for (const service of catalog.services) {
      const migrations = new URL(`services/${service.name}/migrations/`, root);
      const files = existsSync(migrations) ? readdirSync(migrations) : [];
      expect(files.length > 0, service.name).toBe(service.database !== undefined);
      expect(existsSync(migrations), service.name).toBe(service.database !== undefined);
    }
  });
});

describe("the build stage's image contents", () => {
  // The RUN that gathers what the image runs, executed on a stand-in of the build stage's /app.
  const gather = args(stage('build'), 'RUN').at(-1) ?? '';
  let app: string;
  afterEach(() => rmSync(app, { recursive: true, force: true }));

  function gatherFor(service: string, withMigrations: boolean): string[] {
    app = mkdtempSync(join(tmpdir(), 'mesh-kit-image-'));
    for (const workspace of ['packages/catalog', 'services/runtime', `services/${service}`]) {
      mkdirSync(join(app, workspace, 'dist'), { recursive: true });
      mkdirSync(join(app, workspace, 'src'));
      writeFileSync(join(app, workspace, 'package.json'), '{}');
      writeFileSync(join(app, workspace, 'dist', 'server.js'), '');
      writeFileSync(join(app, workspace, 'src', 'server.ts'), '');
    }
    if (withMigrations) {
      mkdirSync(join(app, 'services', service, 'migrations'));
      writeFileSync(join(app, 'services', service, 'migrations', '001_x.sql'), '');
    }
    const run = spawnSync('sh', ['-c', gather], {
      cwd: app,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', SERVICE: service },
    });
    expect(run.status, run.stderr).toBe(0);
    const found: string[] = [];
    const walk = (relative: string): void => {
      for (const entry of readdirSync(join(app, 'out', relative), { withFileTypes: true })) {
        const path = relative === '' ? entry.name : `${relative}/${entry.name}`;
        if (entry.isDirectory()) walk(path);
        else found.push(path);
      }
    };
    walk('');
    return found.sort();
  }

  it('carries package.json and dist of the catalog, the runtime and the service, and its migrations', () => {
    expect(gatherFor('users', true)).toEqual([
      'packages/catalog/dist/server.js',
      'packages/catalog/package.json',
      'services/runtime/dist/server.js',
      'services/runtime/package.json',
      'services/users/dist/server.js',
      'services/users/migrations/001_x.sql',
      'services/users/package.json',
    ]);
  });

  it('leaves sources out, and a service without a database has no migrations folder', () => {
    expect(gatherFor('payments', false)).toEqual([
      'packages/catalog/dist/server.js',
      'packages/catalog/package.json',
      'services/payments/dist/server.js',
      'services/payments/package.json',
      'services/runtime/dist/server.js',
      'services/runtime/package.json',
    ]);
    expect(existsSync(join(app, 'out', 'services', 'payments', 'migrations'))).toBe(false);
  });
});

describe('the Dockerfile rules', () => {
  it('read FROM with a --platform flag, and a base from an ARG by its default', () => {
    const text = [
      'ARG NODE_IMAGE=node:24-alpine',
      'ARG BUILD_PLATFORM',
      'FROM --platform=${BUILD_PLATFORM:-$BUILDPLATFORM} node:24-alpine AS build',
      'FROM ${NODE_IMAGE}',
      'USER 1000',
      'CMD ["node"]',
    ];
    expect(parseDockerfile(text.join('\n')).map((s) => [s.from, s.name])).toEqual([
      ['node:24-alpine', 'build'],
      ['node:24-alpine', undefined],
    ]);
    expect(dockerfileProblems(text.join('\n'))).toEqual([]);
  });

  it('join continued lines as BuildKit does: comments and empty lines inside skipped, nothing added', () => {
    const text = [
      'FROM node:24-alpine',
      'RUN npm ci \\  ',
      '  # only what the image runs',
      '',
      '  --omit=dev && \\',
      'echo done',
      'USER 1000',
    ];
    const [stage] = parseDockerfile(text.join('\n'));
    expect(stage!.instructions.map((i) => [i.keyword, i.args, i.line])).toEqual([
      ['RUN', 'npm ci   --omit=dev && echo done', 2],
      ['USER', '1000', 7],
    ]);
  });

  it('reject root, unpinned bases, shell-form entrypoints and dev dependencies', () => {
    const bad = [
      'FROM node AS deps',
      'RUN npm ci',
      'FROM node:latest',
      'COPY --from=deps /app/node_modules node_modules/',
      'RUN npm install \\',
      '  express',
      'ENTRYPOINT node server.js',
    ].join('\n');
    expect(dockerfileProblems(bad)).toEqual([
      "base image 'node' is not pinned to a tag",
      "base image 'node:latest' is not pinned to a tag",
      'final stage runs as root (no USER)',
      'entrypoint is not in exec form (JSON array): SIGTERM would not reach node',
      "final stage copies node_modules from 'deps', not a production-only install",
      'final stage installs packages with dev dependencies (line 5)',
    ]);
  });

  it('reject a named user the kubelet cannot check and accept a pinned digest', () => {
    const text = ['FROM node:24-alpine@sha256:' + 'a'.repeat(64), 'USER node', 'ENTRYPOINT ["node", "x.js"]'].join(
      '\n',
    );
    expect(dockerfileProblems(text)).toEqual([
      "final stage USER 'node' is not a numeric non-root uid (runAsNonRoot needs a number)",
    ]);
  });
});

describe('the build context', () => {
  // Everything git ignores is local state (secrets, builds, the local stack's logs), never an input.
  const entries = (file: string): string[] =>
    readFileSync(new URL(file, root), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) =>
        line
          .trim()
          .replace(/^\*\*\//, '')
          .replace(/^\//, '')
          .replace(/\/$/, ''),
      );

  it("each image's tag (scripts/lib.sh) hashes the Dockerfile, the libraries and its own service's sources, not their tests", () => {
    const dir = mkdtempSync(join(tmpdir(), 'mesh-kit-tag-'));
    try {
      for (const file of [
        'scripts/lib.sh',
        'versions.env',
        'package.json',
        'package-lock.json',
        'tsconfig.base.json',
      ]) {
        mkdirSync(join(dir, file, '..'), { recursive: true });
        writeFileSync(join(dir, file), readFileSync(new URL(file, root)));
      }
      writeFileSync(join(dir, 'Dockerfile'), dockerfile);
      writeFileSync(join(dir, '.dockerignore'), readFileSync(new URL('.dockerignore', root)));
      for (const workspace of ['services/users', 'services/orders', 'services/runtime', 'packages/catalog']) {
        mkdirSync(join(dir, `${workspace}/src`), { recursive: true });
        writeFileSync(join(dir, `${workspace}/src/index.ts`), 'one');
      }
      mkdirSync(join(dir, 'services/users/test'));
      writeFileSync(join(dir, 'services/users/src/server.ts'), 'one');
      const tag = (service = 'users', env: Record<string, string> = {}): string => {
        const run = spawnSync('bash', ['-c', `. scripts/lib.sh && image_tag ${service}`], {
          cwd: dir,
          encoding: 'utf8',
          env: { PATH: process.env['PATH'] ?? '', ...env },
        });
        expect(run.status, run.stderr).toBe(0);
        return run.stdout;
      };
      const first = tag();
      expect(first).toMatch(/^0\.1\.0-[0-9a-f]{12}$/);
      writeFileSync(join(dir, 'services/users/test/users.test.ts'), 'a test');
      expect(tag()).toBe(first);
      writeFileSync(join(dir, 'Dockerfile'), `${dockerfile}# changed\n`);
      const second = tag();
      expect(second).not.toBe(first);
      writeFileSync(join(dir, 'services/users/src/server.ts'), 'two');
      const third = tag();
      expect(third).not.toBe(second);
      // Another service's change leaves this image's tag alone; the runtime's changes every image's.
      const orders = tag('orders');
      writeFileSync(join(dir, 'services/orders/src/index.ts'), 'two');
      expect(tag()).toBe(third);
      expect(tag('orders')).not.toBe(orders);
      writeFileSync(join(dir, 'services/runtime/src/index.ts'), 'two');
      const fourth = tag();
      expect(fourth).not.toBe(third);
      writeFileSync(join(dir, 'packages/catalog/src/index.ts'), 'two');
      expect(tag()).not.toBe(fourth);
      // Another base image (CI's stand-in) is another image.
      expect(tag('users', { NODE_IMAGE: 'mesh-kit-ci/node:24' })).not.toBe(tag());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000); // a dozen bash runs of lib.sh: slow on a busy machine, not a measured figure

  it('leaves out everything .gitignore names', () => {
    const ignored = new Set(entries('.dockerignore'));
    expect(entries('.gitignore').filter((entry) => !ignored.has(entry))).toEqual([]);
  });
});
