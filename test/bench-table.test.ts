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
    const row = (r: BenchResults): string =>
      replaceBenchTable(`${BEGIN}${END}`, r)
        .split('\n')
        .find((line) => line.startsWith('| POST /orders: highest paced rate'))!;
    expect(row({ ...results, knee: { ...results.knee, rate: 100 } })).toMatch(/\| missed \|$/);
    expect(row({ ...results, knee: { ...results.knee, rate: 150 } })).toMatch(/\| met \|$/);
  });

  it('puts the order path beside its bare anchor, process by process, against both targets', () => {
    const stack = (label: string, ms: number[]) => ({
      label,
      cpuMsPerOrder: { users: ms[0]!, products: ms[1]!, payments: ms[2]!, orders: ms[3]! },
      cpuMsPerOrderRounds: [ms.reduce((a, b) => a + b, 0)],
      achievedPerSecond: 200,
      p50Ms: 5,
      p99Ms: 20,
      failed: 0,
    });
    const row = (kit: number[], bare: number[]): string =>
      replaceBenchTable(`${BEGIN}${END}`, {
        ...results,
        orderAnchor: { ratePerSecond: 200, kit: stack('kit', kit), bare: stack('bare', bare) },
      })
        .split('\n')
        .find((line) => line.startsWith('| CPU per new order at 200/s: kit → its bare anchor'))!;
    const near = row([0.5, 0.5, 0.6, 1.4], [0.4, 0.4, 0.5, 1.2]);
    expect(near).toContain('0.50 + 0.50 + 0.60 + 1.40 = 3.00 ms');
    expect(near).toContain('0.40 + 0.40 + 0.50 + 1.20 = 2.50 ms');
    expect(near).toMatch(/1\.20× \| met \|$/);
    // Within 1.3× of the anchor but above 3.2 ms; below 3.2 ms but 1.5× the anchor: both missed.
    expect(row([0.5, 0.5, 0.7, 1.6], [0.4, 0.4, 0.5, 1.3])).toMatch(/1\.27× \| missed \|$/);
    expect(row([0.5, 0.5, 0.6, 1.4], [0.3, 0.3, 0.4, 1.0])).toMatch(/1\.50× \| missed \|$/);
  });

  it('refuses a document without the markers', () => {
    expect(() => replaceBenchTable('# no markers', results)).toThrow(/bench markers are missing/);
  });
});
