import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from '../scripts/bench/results.js';
import { BEGIN, BENCH_TABLE_DOCS, END, replaceBenchTable } from '../scripts/bench/table-block.js';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('the benchmark table', () => {
  const results = JSON.parse(read('docs/benchmarks.json')) as BenchResults;

  it.each(BENCH_TABLE_DOCS)(
    'in %s is the one docs/benchmarks.json renders (run `npm run bench:table` when this fails)',
    (path) => {
      const doc = read(path);
      expect(replaceBenchTable(doc, results, path)).toBe(doc);
    },
  );

  it.each(BENCH_TABLE_DOCS)('in %s states the machine, the Node version and the date of the run', (path) => {
    const doc = read(path);
    const block = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END));
    expect(block).toContain(results.machine.node);
    expect(block).toContain(results.machine.date);
    expect(block).toContain(`${results.machine.cpus} × `);
  });

  it('itemizes the runtime layer by layer, each step against the row before it', () => {
    const layers = results.read.layers.map((l, i) => ({ ...l, cpuUsPerRequest: 100 + 10 * (i + 1) }));
    const users = { ...results.read.users, cpuUsPerRequest: 100 + 10 * layers.length + 7 };
    const bareExpress = { ...results.read.bareExpress, cpuUsPerRequest: 100 };
    const row = replaceBenchTable(`${BEGIN}${END}`, {
      ...results,
      read: { ...results.read, bareExpress, layers, users },
    })
      .split('\n')
      .find((line) => line.startsWith('| the runtime layer by layer'))!;
    for (const layer of layers) expect(row).toContain(`${layer.name} +10`);
    expect(row).toContain("the users service's own route, problems and server +7");
  });

  it('says met or missed against each target from the figures, not by hand', () => {
    const slower = { ...results, orders: results.orders.map((o) => ({ ...o, p99Ms: 1_000 })) };
    const faster = { ...results, orders: results.orders.map((o) => ({ ...o, p99Ms: 1, failed: 0 })) };
    const row = (r: BenchResults): string =>
      replaceBenchTable(`${BEGIN}${END}`, r)
        .split('\n')
        .find((line) => line.startsWith('| POST /orders paced'))!;
    expect(row(slower)).toMatch(/\| missed \|$/);
    expect(row(faster)).toMatch(/\| met \|$/);
  });

  it('refuses a document without the markers', () => {
    expect(() => replaceBenchTable('# no markers', results)).toThrow(/bench markers are missing/);
  });
});
