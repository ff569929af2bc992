import type { FaultResult } from './run-fault.js';

const HEADER = [
  'fault',
  'requests',
  '2xx',
  '4xx',
  '5xx',
  'no answer',
  'lost',
  'duplicated',
  's to recover',
  'survived',
];

function row(r: FaultResult): string[] {
  const f = r.figures;
  return [
    r.title,
    String(f.requests),
    String(f.ok),
    String(f.clientErrors),
    String(f.serverErrors),
    String(f.noAnswer),
    r.ledger === undefined ? '?' : String(r.ledger.lost),
    r.ledger === undefined ? '?' : String(r.ledger.duplicated),
    f.secondsToRecover === undefined ? 'never' : f.secondsToRecover.toFixed(1),
    r.violations.length === 0 ? 'yes' : 'NO',
  ];
}

/** The matrix as a Markdown table (it reads in a terminal and pastes into docs/verify.md). */
export function formatTable(results: readonly FaultResult[]): string {
  const rows = [HEADER, ...results.map(row)];
  const widths = HEADER.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join(' | ')} |`;
  const rule = `|${widths.map((w, i) => (i === 0 ? `${'-'.repeat(w + 1)}-` : `${'-'.repeat(w + 1)}:`)).join('|')}|`;
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

/** Each fault that was not survived, with what went wrong. */
export function formatViolations(results: readonly FaultResult[]): string {
  return results
    .filter((r) => r.violations.length > 0)
    .map((r) => `${r.id}:\n${r.violations.map((v) => `  - ${v}`).join('\n')}`)
    .join('\n');
}
