import { existsSync, readFileSync } from 'node:fs';
import type { Catalog } from '@mesh-kit/catalog';
import type { Release, TrafficState } from '@mesh-kit/catalog/traffic';

/** Where `make canary`/`chaos`/`mirror` keep the traffic state, relative to the repository (gitignored). */
export const DEFAULT_TRAFFIC_FILE = '.traffic.json';

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads a traffic state file's shape, throwing an error that names the file and the field. Whether
 * the services, weights and scenario make sense is the catalog check's job (traffic-check.ts).
 */
export function parseTrafficState(text: string, file: string): TrafficState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not JSON (${(error as Error).message})`, { cause: error });
  }
  const fail = (field: string, want: string): never => {
    throw new Error(`${file}: ${field} must be ${want}`);
  };
  if (!isRecord(value)) fail('the top level', 'an object');
  const root = value as Record<string, unknown>;
  const unknownKeys = Object.keys(root).filter((k) => !['releases', 'mirrors', 'scenario'].includes(k));
  if (unknownKeys.length > 0) fail(unknownKeys[0]!, 'absent (known fields: releases, mirrors, scenario)');
  const releases: Record<string, Release> = {};
  if (!isRecord(root.releases ?? {})) fail('releases', 'an object of service → release');
  for (const [service, r] of Object.entries((root.releases ?? {}) as Record<string, unknown>)) {
    if (!isRecord(r) || typeof r.stage !== 'string') fail(`releases.${service}`, "an object with a 'stage'");
    const release = r as { stage: string; weightPercent?: unknown };
    if (release.stage === 'canary') {
      if (typeof release.weightPercent !== 'number') fail(`releases.${service}.weightPercent`, 'a number');
      releases[service] = { stage: 'canary', weightPercent: release.weightPercent as number };
    } else if (release.stage === 'stable' || release.stage === 'promoted') {
      releases[service] = { stage: release.stage };
    } else {
      fail(`releases.${service}.stage`, "'stable', 'canary' or 'promoted'");
    }
  }
  const mirrors: Record<string, { percent: number }> = {};
  if (!isRecord(root.mirrors ?? {})) fail('mirrors', 'an object of service → { percent }');
  for (const [service, m] of Object.entries((root.mirrors ?? {}) as Record<string, unknown>)) {
    if (!isRecord(m) || typeof m.percent !== 'number') fail(`mirrors.${service}.percent`, 'a number');
    mirrors[service] = { percent: (m as { percent: number }).percent };
  }
  if (root.scenario !== undefined && typeof root.scenario !== 'string') fail('scenario', 'a scenario name');
  return { releases, mirrors, ...(typeof root.scenario === 'string' ? { scenario: root.scenario } : {}) };
}

/** The catalog with the traffic state of `file` in place of its own, when the file exists. */
export function withTrafficFile(catalog: Catalog, file: string): Catalog {
  if (file === '' || !existsSync(file)) return catalog;
  return { ...catalog, traffic: parseTrafficState(readFileSync(file, 'utf8'), file) };
}
