/**
 * `npm run bench:table`: renders docs/benchmarks.json (written by `npm run bench -- --json`) into
 * the table between the bench markers of README.md and docs/benchmarks.md. `--in <file>` reads
 * another file.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { BENCH_TABLE_DOCS, replaceBenchTable } from './bench/table-block.js';
import type { BenchResults } from './bench/results.js';

try {
  const { values } = parseArgs({ options: { in: { type: 'string', default: 'docs/benchmarks.json' } }, strict: true });
  const results = JSON.parse(readFileSync(values.in, 'utf8')) as BenchResults;
  for (const doc of BENCH_TABLE_DOCS) {
    writeFileSync(doc, replaceBenchTable(readFileSync(doc, 'utf8'), results, doc));
    process.stdout.write(`${doc}: table rendered from ${values.in}\n`);
  }
} catch (error) {
  process.stderr.write(`bench:table: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
}
