import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BenchResults } from '../scripts/bench/results.js';
import { BEGIN, END, replaceBenchTable } from '../scripts/bench/table-block.js';

const read = (path: string): string => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

describe('the benchmark table', () => {
  const results = JSON.parse(read('docs/benchmarks.json')) as BenchResults;

  it('in docs/benchmarks.md is the one docs/benchmarks.json renders (run `npm run bench:table` when this fails)', () => {
    const doc = read('docs/benchmarks.md');
    expect(replaceBenchTable(doc, results)).toBe(doc);
  });

  it('states the machine, the Node version and the date of the run', () => {
    const doc = read('docs/benchmarks.md');
    const block = doc.slice(doc.indexOf(BEGIN), doc.indexOf(END));
    expect(block).toContain(results.machine.node);
    expect(block).toContain(results.machine.date);
    expect(block).toContain(`${results.machine.cpus} × `);
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
