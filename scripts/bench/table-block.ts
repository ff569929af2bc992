import { renderTable, type BenchResults } from './results.js';

export const BEGIN = '<!-- bench:begin (npm run bench:table renders this from docs/benchmarks.json) -->';
export const END = '<!-- bench:end -->';
/** The documents that carry the table, relative to the repository root; the README's is brief. */
export const BENCH_TABLE_DOCS = ['README.md', 'docs/benchmarks.md'] as const;
const BRIEF: ReadonlySet<string> = new Set(['README.md']);

/** `markdown` (the document `path`) with the block between the bench markers replaced by the table of `results`. */
export function replaceBenchTable(markdown: string, results: BenchResults, path = 'docs/benchmarks.md'): string {
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the bench markers are missing: ${BEGIN} … ${END}`);
  return `${markdown.slice(0, start + BEGIN.length)}\n\n${renderTable(results, BRIEF.has(path))}\n\n${markdown.slice(end)}`;
}
