import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { catalog, type Catalog } from '@mesh-kit/catalog';
import { renderDiagram, withDiagram } from '../scripts/diagram.js';

describe('the architecture diagram', () => {
  it('in the README is the one the catalog generates (run `npm run diagram` when this fails)', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(withDiagram(readme, renderDiagram(catalog))).toBe(readme);
  });

  it('draws gateway routes, calls, events and databases from the catalog', () => {
    const base = catalog.services.find((s) => s.name === 'payments');
    if (base === undefined) throw new Error('no payments in the catalog');
    const small: Catalog = {
      ...catalog,
      services: [
        { ...base, name: 'a', gateway: [{ prefix: '/api/a', rewrite: '/a' }], database: 'a', publishes: ['a.done'] },
        { ...base, name: 'b', calls: [{ service: 'a', methods: ['GET'], paths: ['/a/:id'] }], consumes: ['a.done'] },
      ],
    };
    const diagram = renderDiagram(small);
    expect(diagram).toContain('gateway -->|"/api/a"| a');
    expect(diagram).toContain('b -->|"GET /a/:id"| a');
    expect(diagram).toContain('a -.->|"publishes"| a_done');
    expect(diagram).toContain('a_done -.->|"consumes"| b');
    expect(diagram).toContain('a --- db_a[("db a")]');
    expect(diagram).not.toContain('db_b');
  });

  it('needs the README markers', () => {
    expect(() => withDiagram('# no markers')).toThrow(/has no '<!-- diagram:start/);
  });
});
