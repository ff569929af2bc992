/** The docs' lists of make targets, rendered from the Makefile's annotations (make-targets.ts). */
import { makeGroups, makeTargets } from './make-targets.js';

/** README.md: one line per group. */
export function renderMakeSummary(makefile: string): string {
  return [...makeGroups(makeTargets(makefile))]
    .map(([group, targets]) => `- **${group}:** ${targets.map((t) => `\`${t.name}\``).join(', ')}`)
    .join('\n');
}

/** docs/operations.md: every target with its line and the variables it reads. */
export function renderMakeTable(makefile: string): string {
  const rows = [...makeGroups(makeTargets(makefile))].flatMap(([group, targets]) =>
    targets.map(
      (t, i) =>
        `| ${i === 0 ? group : ''} | \`${t.name}\` | ${t.description.replaceAll('|', '\\|')} | ${t.reads.map((v) => `\`${v}\``).join(', ') || '—'} |`,
    ),
  );
  return ['| group | target | what it does | reads |', '|---|---|---|---|', ...rows].join('\n');
}
