/**
 * Docs that cannot go stale: every generated block, the README's diagram and access table, the
 * bench tables and the Grafana dashboard, rendered in memory by `npm run generate`'s renderers
 * (scripts/generated/registry.ts) and compared with the files; and a change to the catalog (a
 * port, a route's timeout, a call) shows in every document that restates it.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { catalog, type Catalog } from '@mesh-kit/catalog';
import { blockNames, replaceBlock } from '../scripts/generated/blocks.js';
import { generatedBlocks, readInputs, renderAll, type GenerateInputs } from '../scripts/generated/registry.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const read = (path: string): string => readFileSync(join(root, path), 'utf8');
const markdown = [
  'README.md',
  ...readdirSync(join(root, 'docs')).flatMap((f) => (f.endsWith('.md') ? [`docs/${f}`] : [])),
];

type Mutable<T> = { -readonly [K in keyof T]: Mutable<T[K]> };

describe('npm run generate', () => {
  const inputs = readInputs(root);
  const rendered = renderAll(inputs, read);

  it.each([...rendered.keys()])('%s is what its renderers give (run `npm run generate` when this fails)', (path) => {
    expect(read(path)).toBe(rendered.get(path));
  });

  it('has a renderer for every generated block in README.md and docs/, and nothing else carries one', () => {
    const blocks = generatedBlocks();
    for (const path of markdown) {
      expect(blockNames(read(path)).sort(), path).toEqual(Object.keys(blocks[path] ?? {}).sort());
    }
  });

  it('marks every whole generated file linguist-generated in .gitattributes, and no hand-written one', () => {
    const attribute = (path: string): string =>
      execFileSync('git', ['check-attr', 'linguist-generated', '--', path], { cwd: root, encoding: 'utf8' }).trim();
    const whole = [
      ...[...rendered.keys()].filter((path) => !path.endsWith('.md')),
      'charts/mesh-kit/Chart.yaml',
      'charts/mesh-kit/templates/00-namespace.k8s.yaml',
      'infra/cdk8s/imports/istio-crds.yaml',
      'infra/cdk8s/imports/networking.istio.io.ts',
    ];
    for (const path of whole) expect(attribute(path)).toBe(`${path}: linguist-generated: true`);
    for (const path of ['README.md', 'packages/catalog/src/catalog.ts', 'Makefile']) {
      expect(attribute(path)).toBe(`${path}: linguist-generated: unspecified`);
    }
  });

  it('names a missing block and the file', () => {
    expect(() => replaceBlock('# nothing here', 'routes', 'x', 'docs/x.md')).toThrow(
      "docs/x.md has no '<!-- generated:routes -->'",
    );
  });

  describe('after a change to the catalog', () => {
    const changed = structuredClone(catalog) as Mutable<Catalog>;
    const service = (name: string) => changed.services.find((s) => s.name === name)!;
    service('users').port = 3901;
    service('users').routes.find((r) => r.method === 'GET')!.timeoutMs = 950;
    const storefront = service('storefront');
    storefront.calls.push({ service: 'products', methods: ['GET'], paths: ['/products/:sku'] });
    storefront.routes[0]!.calls = [
      ...(storefront.routes[0]!.calls ?? []),
      { service: 'products', method: 'GET', path: '/products/:sku' },
    ];
    const after = renderAll({ ...inputs, catalog: changed as Catalog } satisfies GenerateInputs, read);
    const diff = (path: string): string[] => {
      const before = (rendered.get(path) ?? '').split('\n');
      return (after.get(path) ?? '').split('\n').filter((line) => !before.includes(line));
    };

    it("shows a service's new port in the shop table and the commands straight at the stack", () => {
      expect(diff('docs/architecture.md')).toContainEqual(expect.stringMatching(/^\| users \| 3901 \|/));
      expect(diff('docs/operations.md')).toContainEqual(expect.stringContaining('localhost:3901/users'));
    });

    it("shows a route's new timeout in the route table and in the analyze excerpt of each route that waits for it", () => {
      const lines = diff('docs/architecture.md');
      expect(lines).toContainEqual(expect.stringMatching(/^\| users \| GET `\/users\/:id` \| yes \| 950 ms \|/));
      expect(lines).toContainEqual(expect.stringMatching(/^ {2}POST orders \/orders: .*GET users \/users\/:id 950ms/));
      expect(lines).toContainEqual(
        expect.stringMatching(/^ {2}GET storefront \/overview: .*GET users \/users\/:id 950ms/),
      );
    });

    it('shows a new call in the shop table, the route table, the analyze excerpt, the diagram and the access table', () => {
      const architecture = diff('docs/architecture.md');
      expect(architecture).toContainEqual(expect.stringMatching(/^\| storefront \|.*products: GET `\/products\/:sku`/));
      expect(architecture).toContainEqual(expect.stringMatching(/^\| storefront \| GET `\/overview` \|.*products GET/));
      expect(architecture).toContainEqual(expect.stringMatching(/^ {2}GET storefront \/overview: .*GET products/));
      const readme = diff('README.md');
      expect(readme).toContain('  storefront -->|"GET /products/:sku"| products');
      expect(readme).toContainEqual(expect.stringMatching(/^\| products \|.*storefront: GET `\/products\/:sku`/));
    });
  });
});
