import { existsSync, readFileSync } from 'node:fs';

/** Every JSON line of a service's log file (none when the file does not exist yet). */
export function readJsonLog(file: string): Record<string, unknown>[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}
