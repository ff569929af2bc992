/**
 * The traffic state behind `make canary`, `promote`, `rollback`, `chaos`, `chaos-off` and `mirror`:
 * `node --import tsx scripts/traffic.ts <command> [args]` reads the state (TRAFFIC_FILE, default
 * .traffic.json; the catalog's `traffic` when the file does not exist), changes it, checks it
 * against the catalog and writes it back only when it changed. The synth reads the same file, so
 * the repository, not the cluster, holds what is deployed. Errors name the make variable.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Catalog, catalog as declared } from '@mesh-kit/catalog';
import { EMPTY_TRAFFIC, type TrafficState } from '@mesh-kit/catalog/traffic';
import { trafficProblems } from '../infra/cdk8s/src/traffic-check.js';
import { DEFAULT_TRAFFIC_FILE, parseTrafficState } from '../infra/cdk8s/src/traffic-file.js';

export class UsageError extends Error {}

const USAGE = `usage: traffic.ts canary SERVICE WEIGHT | promote SERVICE | rollback SERVICE | mirror SERVICE PERCENT
                  | chaos SCENARIO | chaos-off | show`;

/** A whole number in [min, max] from a make variable, or an error naming it. */
function wholeNumber(variable: string, raw: string | undefined, min: number, max: number, example: string): number {
  if (raw === undefined || raw.trim() === '') throw new UsageError(`${variable} is required (${example})`);
  const n = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || n < min || n > max) {
    throw new UsageError(`${variable}=${raw}: must be a whole number from ${min} to ${max} (${example})`);
  }
  return n;
}

function serviceWithV2(source: Catalog, raw: string | undefined, example: string): string {
  const withV2 = source.services.filter((s) => s.v2 !== undefined).map((s) => s.name);
  const known = `services with a v2 in the catalog: ${withV2.join(', ') || 'none'}`;
  if (raw === undefined || raw.trim() === '') throw new UsageError(`SERVICE is required (${example}; ${known})`);
  const spec = source.services.find((s) => s.name === raw);
  if (spec === undefined) throw new UsageError(`SERVICE=${raw}: no such service in the catalog (${known})`);
  if (spec.v2 === undefined) {
    throw new UsageError(
      `SERVICE=${raw}: declares no v2 in the catalog (${known}; add \`v2: { env: {...} }\` to its entry)`,
    );
  }
  return raw;
}

/** The state after `command`; throws a UsageError naming the make variable at fault. */
export function nextState(
  source: Catalog,
  current: TrafficState,
  command: string,
  args: readonly string[],
): TrafficState {
  const [first, second] = args;
  const releases = { ...current.releases };
  const mirrors = { ...current.mirrors };
  const { scenario } = current;
  switch (command) {
    case 'canary': {
      const example = 'make canary SERVICE=<name> WEIGHT=<0-100>';
      const service = serviceWithV2(source, first, example);
      releases[service] = { stage: 'canary', weightPercent: wholeNumber('WEIGHT', second, 0, 100, example) };
      break;
    }
    case 'promote': {
      const service = serviceWithV2(source, first, 'make promote SERVICE=<name>');
      const stage = current.releases[service]?.stage ?? 'stable';
      if (stage === 'stable') {
        throw new UsageError(
          `SERVICE=${service}: v2 is not running yet; start a canary first (make canary SERVICE=${service} WEIGHT=<0-100>)`,
        );
      }
      releases[service] = { stage: 'promoted' };
      delete mirrors[service];
      break;
    }
    case 'rollback': {
      const service = serviceWithV2(source, first, 'make rollback SERVICE=<name>');
      releases[service] = { stage: 'stable' };
      delete mirrors[service];
      break;
    }
    case 'mirror': {
      const example = 'make mirror SERVICE=<name> PERCENT=<0-100>, 0 stops mirroring';
      const service = serviceWithV2(source, first, example);
      const percent = wholeNumber('PERCENT', second, 0, 100, example);
      if (percent === 0) {
        delete mirrors[service];
        break;
      }
      if (current.releases[service]?.stage !== 'canary') {
        throw new UsageError(
          `SERVICE=${service}: mirroring copies v1's traffic to v2, so both must run: make canary SERVICE=${service} WEIGHT=0 first`,
        );
      }
      mirrors[service] = { percent };
      break;
    }
    case 'chaos': {
      const names = (source.scenarios ?? []).map((s) => s.name);
      const known = `scenarios in the catalog: ${names.join(', ') || 'none'}`;
      if (first === undefined || first.trim() === '')
        throw new UsageError(`SCENARIO is required (make chaos SCENARIO=<name>; ${known})`);
      if (!names.includes(first)) throw new UsageError(`SCENARIO=${first}: no such scenario (${known})`);
      return { releases, mirrors, scenario: first };
    }
    case 'chaos-off':
      return { releases, mirrors };
    case 'show':
      return current;
    default:
      throw new UsageError(`unknown command '${command}'\n${USAGE}`);
  }
  return { releases, mirrors, ...(scenario === undefined ? {} : { scenario }) };
}

/** A line saying what the state now is, for the user. */
export function describeState(source: Catalog, state: TrafficState): string {
  const lines: string[] = [];
  for (const spec of source.services.filter((s) => s.v2 !== undefined)) {
    const r = state.releases[spec.name] ?? { stage: 'stable' as const };
    const mirror = state.mirrors[spec.name];
    const split =
      r.stage === 'canary'
        ? `canary: v1 ${100 - r.weightPercent} %, v2 ${r.weightPercent} % (x-canary: always → v2)`
        : r.stage === 'promoted'
          ? 'promoted: v2 only'
          : 'stable: v1 only';
    lines.push(`${spec.name}: ${split}${mirror === undefined ? '' : `, ${mirror.percent} % mirrored to v2`}`);
  }
  const scenario = source.scenarios?.find((s) => s.name === state.scenario);
  lines.push(scenario === undefined ? 'chaos: off' : `chaos: ${scenario.name} — ${scenario.description}`);
  return lines.join('\n');
}

/** JSON with a trailing newline; key order as built, so an unchanged state writes the same bytes. */
export const renderState = (state: TrafficState): string => `${JSON.stringify(state, null, 2)}\n`;

export function run(
  argv: readonly string[],
  file: string,
  source: Catalog = declared,
): { changed: boolean; message: string } {
  const [command = '', ...args] = argv;
  const exists = existsSync(file);
  const current = exists ? parseTrafficState(readFileSync(file, 'utf8'), file) : (source.traffic ?? EMPTY_TRAFFIC);
  const next = nextState(source, current, command, args);
  const problems = trafficProblems({ ...source, traffic: next });
  if (problems.length > 0) throw new UsageError(problems.join('\n'));
  const text = renderState(next);
  const changed = !exists || readFileSync(file, 'utf8') !== text;
  if (command !== 'show' && changed) writeFileSync(file, text);
  const verdict = command === 'show' ? '' : changed ? `wrote ${file}\n` : `${file} already says so: no changes\n`;
  return { changed, message: `${verdict}${describeState(source, next)}` };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const root = resolve(fileURLToPath(import.meta.url), '../..');
  const file = resolve(root, process.env.TRAFFIC_FILE || DEFAULT_TRAFFIC_FILE);
  try {
    process.stdout.write(`${run(process.argv.slice(2), file).message}\n`);
  } catch (error) {
    process.stderr.write(`error: ${(error as Error).message}\n`);
    process.exit(error instanceof UsageError ? 2 : 1);
  }
}
