import { renderTable, type BenchResults } from './results.js';

export const BEGIN = '<!-- bench:begin (npm run bench:table renders this from docs/benchmarks.json) -->';
export const END = '<!-- bench:end -->';

/** `markdown` with the block between the bench markers replaced by the table of `results`. */
export function replaceBenchTable(markdown: string, results: BenchResults): string {
  const start = markdown.indexOf(BEGIN);
  const end = markdown.indexOf(END);
  if (start < 0 || end < start) throw new Error(`the bench markers are missing: ${BEGIN} … ${END}`);
  return `${markdown.slice(0, start + BEGIN.length)}\n\n${renderTable(results)}\n\n${markdown.slice(end)}`;
}
