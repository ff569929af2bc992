import { readdirSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';

interface LogLine {
  readonly level?: string;
  readonly time?: string;
  readonly message?: string;
  readonly method?: string;
  readonly path?: string;
  readonly status?: number;
  readonly err?: { readonly message?: string; readonly code?: string };
}

const NOTABLE = new Set(['warn', 'error', 'fatal']);

/** What one line says, without what varies from line to line (ids, times). */
function gist(service: string, line: LogLine): string {
  if (line.message === 'request')
    return `${service} ${line.method ?? '?'} ${line.path ?? '?'} answered ${String(line.status)}`;
  const err = line.err === undefined ? '' : ` (${[line.err.code, line.err.message].filter(Boolean).join(' ')})`;
  return `${service} ${line.level ?? '?'}: ${line.message ?? ''}${err}`;
}

/**
 * The warnings and errors the shop's services logged between `from` and `to`, counted by what they
 * say, the most frequent first: what a failed row of the matrix prints, so a red CI run says why
 * (which check failed, with which error) without the log files it no longer has.
 */
export function logDigest(logDir: string, from: number, to: number, limit = 15): string[] {
  const counts = new Map<string, number>();
  // Each service logs to <name>.log in the shop's log directory (scripts/stack/processes.ts).
  for (const file of readdirSync(logDir).filter((f) => f.endsWith('.log'))) {
    const service = basename(file, '.log');
    for (const text of readFileSync(join(logDir, file), 'utf8').split('\n')) {
      if (!text.startsWith('{')) continue;
      let line: LogLine;
      try {
        line = JSON.parse(text) as LogLine;
      } catch {
        continue;
      }
      const at = line.time === undefined ? NaN : Date.parse(line.time);
      if (!(at >= from && at <= to) || !NOTABLE.has(line.level ?? '')) continue;
      const key = gist(service, line);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
  }
  const sorted = [...counts].sort((a, b) => b[1] - a[1]);
  const shown = sorted.slice(0, limit).map(([key, n]) => `${n}× ${key}`);
  if (sorted.length > limit) shown.push(`… and ${sorted.length - limit} more kinds`);
  return shown;
}
