import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog, type Catalog } from '@mesh-kit/catalog';
import { renderAccessTable, withAccessTable } from '../scripts/access-table.js';

describe("the README's access table (who can call what)", () => {
  it('is the one the catalog generates (run `npm run diagram` when this fails)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withAccessTable(readme, renderAccessTable(catalog))).toBe(readme);
  });

  it("lists each service's gateway routes with what they require, its callers and its events", () => {
    const base = catalog.services.find((s) => s.name === 'payments');
    if (base === undefined) throw new Error('no payments in the catalog');
    const small: Catalog = {
      ...catalog,
      services: [
        {
          ...base,
          name: 'a',
          gateway: [
            { prefix: '/api/a', rewrite: '/a', auth: 'public' },
            { prefix: '/api/a2', rewrite: '/a2' },
          ],
          publishes: ['a.done'],
        },
        { ...base, name: 'b', gateway: [], calls: [{ service: 'a', methods: ['GET'], paths: ['/a/:id'] }] },
      ],
    };
    const [rowA, rowB] = renderAccessTable(small).split('\n').slice(2);
    expect(rowA).toBe(
      '| a | `/api/a`: GET, no credentials<br/>`/api/a2`: user token | b: GET `/a/:id` | publishes `a.done` |',
    );
    expect(rowB).toBe('| b | — | — | — |');
  });

  it('needs the README markers', () => {
    expect(() => withAccessTable('# no markers')).toThrow(/has no '<!-- access:start/);
  });
});
