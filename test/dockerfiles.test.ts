import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog } from '../infra/cdk8s/src/catalog.js';
import { dockerfileProblems, parseDockerfile } from './support/dockerfile.js';

const read = (service: string): string =>
  readFileSync(new URL(`../services/${service}/Dockerfile`, import.meta.url), 'utf8');

describe('service Dockerfiles', () => {
  for (const service of catalog.services) {
    it(`${service.name}: non-root, pinned base, exec-form entrypoint, production dependencies only`, () => {
      expect(dockerfileProblems(read(service.name))).toEqual([]);
    });

    it(`${service.name}: runs its own server and exposes the catalog port`, () => {
      const final = parseDockerfile(read(service.name)).at(-1);
      const args = (keyword: string): string[] =>
        final?.instructions.filter((i) => i.keyword === keyword).map((i) => i.args) ?? [];
      expect(args('EXPOSE')).toEqual([String(service.port)]);
      expect(JSON.parse(args('ENTRYPOINT')[0] ?? '[]')).toEqual(['node', `services/${service.name}/dist/server.js`]);
    });
  }

  it('are one template: each differs from users only in the service name and port', () => {
    const users = read('users');
    const port = catalog.services.find((s) => s.name === 'users')?.port;
    for (const service of catalog.services) {
      const expected = users.replaceAll('users', service.name).replace(`EXPOSE ${port}`, `EXPOSE ${service.port}`);
      expect(read(service.name), service.name).toBe(expected);
    }
  });

  it('use the same Node base image in every stage', () => {
    const bases = new Set(catalog.services.flatMap((s) => parseDockerfile(read(s.name)).map((stage) => stage.from)));
    expect([...bases].filter((base) => base.startsWith('node:'))).toEqual(['node:24-alpine']);
  });
});

describe('the Dockerfile rules', () => {
  it('read FROM with a --platform flag', () => {
    const text = [
      'FROM --platform=$BUILDPLATFORM node:24-alpine AS build',
      'FROM node:24-alpine',
      'USER 1000',
      'CMD ["node"]',
    ];
    expect(parseDockerfile(text.join('\n')).map((stage) => [stage.from, stage.name])).toEqual([
      ['node:24-alpine', 'build'],
      ['node:24-alpine', undefined],
    ]);
    expect(dockerfileProblems(text.join('\n'))).toEqual([]);
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
    readFileSync(new URL(`../${file}`, import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) =>
        line
          .trim()
          .replace(/^\*\*\//, '')
          .replace(/^\//, '')
          .replace(/\/$/, ''),
      );

  it('leaves out everything .gitignore names', () => {
    const ignored = new Set(entries('.dockerignore'));
    expect(entries('.gitignore').filter((entry) => !ignored.has(entry))).toEqual([]);
  });
});
