import type { CheckReport } from './check-result.js';

/** The table `make verify` prints: one row per check, then a one-line summary. */
export function renderTable(reports: readonly CheckReport[]): string {
  const rows = reports.map((r) => [r.title, r.status.toUpperCase(), formatSeconds(r.durationMs), r.detail]);
  const header = ['check', 'result', 'time', 'detail'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  // The detail column is last and left ragged so long reasons are not padded.
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w, i) => '-'.repeat(i === widths.length - 1 ? Math.min(w, 40) : w)).join('  ');
  const failed = reports.filter((r) => r.status === 'fail').length;
  const skipped = reports.filter((r) => r.status === 'skip').length;
  const ran = reports.length - skipped;
  const summary =
    (failed === 0 ? `${ran} of ${ran} checks passed` : `${failed} of ${ran} checks failed`) +
    (skipped === 0 ? '' : `, ${skipped} skipped (not switched on)`);
  return [line(header), rule, ...rows.map(line), '', summary].join('\n');
}

function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}
