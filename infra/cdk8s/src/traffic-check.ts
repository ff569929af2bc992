import { type Catalog, circuitBreakerOf } from '@mesh-kit/catalog';
import type { Release, TrafficState } from '@mesh-kit/catalog/traffic';

const DNS_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const isPercent = (n: unknown): boolean => typeof n === 'number' && Number.isFinite(n) && n > 0 && n <= 100;

/**
 * Problems with the catalog's versions and scenarios and with the traffic state, each naming the
 * field: a release or mirror for a service without a v2, a weight outside 0–100, a mirror without
 * a running v2, an unknown scenario, a scenario on an unknown service or knob.
 */
export function trafficProblems(source: Catalog): string[] {
  const problems: string[] = [];
  const services = new Map(source.services.map((s) => [s.name, s]));
  const withV2 = source.services.filter((s) => s.v2 !== undefined).map((s) => s.name);
  const known = `services with a v2: ${withV2.join(', ') || 'none'}`;
  for (const [i, s] of source.services.entries()) {
    if (s.v2 === undefined) continue;
    const at = `services[${i}] (${s.name}).v2`;
    const replicas = s.v2.replicas;
    if (replicas !== undefined && !(Number.isInteger(replicas) && replicas >= 1)) {
      problems.push(`${at}.replicas: must be a whole number ≥ 1, got ${replicas}`);
    }
    if (s.v2.imageTag !== undefined && (s.v2.imageTag === '' || s.v2.imageTag === 'latest')) {
      problems.push(`${at}.imageTag: must name a release, got '${s.v2.imageTag}'`);
    }
    if (s.v2.imageTag === undefined && Object.keys(s.v2.env ?? {}).length === 0) {
      problems.push(`${at}: differs from v1 in nothing (give it an imageTag or env)`);
    }
  }
  const scenarios = source.scenarios ?? [];
  const names = new Set<string>();
  for (const [i, sc] of scenarios.entries()) {
    const at = `scenarios[${i}] (${sc.name})`;
    if (!DNS_LABEL.test(sc.name)) problems.push(`${at}.name: must be a DNS label, got '${sc.name}'`);
    if (names.has(sc.name)) problems.push(`${at}.name: '${sc.name}' is declared twice`);
    names.add(sc.name);
    const m = sc.mechanism;
    const target = services.get(m.service);
    if (target === undefined) {
      problems.push(`${at}.mechanism.service: no service named '${m.service}'`);
      continue;
    }
    if (m.kind === 'env' || m.kind === 'faulty-replica') {
      for (const key of Object.keys(m.env)) {
        if (target.env?.[key] === undefined) {
          problems.push(`${at}.mechanism.env.${key}: ${m.service} declares no such setting in its env`);
        }
      }
      if (m.kind === 'faulty-replica' && target.v2 !== undefined) {
        // Routes of a service with a v2 name subsets by version; none would send to the faulty pod.
        problems.push(
          `${at}.mechanism.service: ${m.service} declares a v2, whose subsets would leave the faulty replica out`,
        );
      }
      if (
        m.kind === 'faulty-replica' &&
        source.traffic?.scenario === sc.name &&
        circuitBreakerOf(target, source).outlierDetection === undefined
      ) {
        problems.push(`${at}.mechanism.service: ${m.service} has no outlier detection to eject a faulty replica`);
      }
    } else {
      if (target.routes.length === 0) problems.push(`${at}.mechanism.service: ${m.service} serves no routes to fault`);
      if (!isPercent(m.percent)) problems.push(`${at}.mechanism.percent: must be in (0, 100], got ${m.percent}`);
      if (m.delayMs === undefined && m.abortStatus === undefined) {
        problems.push(`${at}.mechanism: a fault needs delayMs or abortStatus`);
      }
      if (m.delayMs !== undefined && !(Number.isInteger(m.delayMs) && m.delayMs >= 1)) {
        problems.push(`${at}.mechanism.delayMs: must be a whole number of ms ≥ 1, got ${m.delayMs}`);
      }
      if (
        m.abortStatus !== undefined &&
        !(Number.isInteger(m.abortStatus) && m.abortStatus >= 200 && m.abortStatus <= 599)
      ) {
        problems.push(`${at}.mechanism.abortStatus: must be an HTTP status, got ${m.abortStatus}`);
      }
    }
  }
  const state: TrafficState | undefined = source.traffic;
  if (state === undefined) return problems;
  for (const [service, release] of Object.entries(state.releases)) {
    const at = `traffic.releases.${service}`;
    if (services.get(service)?.v2 === undefined) {
      problems.push(`${at}: ${service} has no v2 in the catalog (${known})`);
      continue;
    }
    problems.push(...releaseProblems(at, release));
  }
  for (const [service, mirror] of Object.entries(state.mirrors)) {
    const at = `traffic.mirrors.${service}`;
    if (services.get(service)?.v2 === undefined) {
      problems.push(`${at}: ${service} has no v2 in the catalog to mirror to (${known})`);
      continue;
    }
    if (state.releases[service]?.stage !== 'canary') {
      problems.push(`${at}: mirroring needs v1 and v2 running (a canary); ${service} is not in one`);
    }
    if (!isPercent(mirror.percent)) problems.push(`${at}.percent: must be in (0, 100], got ${mirror.percent}`);
  }
  if (state.scenario !== undefined && !names.has(state.scenario)) {
    problems.push(
      `traffic.scenario: no scenario named '${state.scenario}' (known: ${[...names].join(', ') || 'none'})`,
    );
  }
  return problems;
}

function releaseProblems(at: string, release: Release): string[] {
  switch (release.stage) {
    case 'stable':
    case 'promoted':
      return [];
    case 'canary': {
      const w = release.weightPercent;
      return Number.isInteger(w) && w >= 0 && w <= 100
        ? []
        : [`${at}.weightPercent: must be a whole number from 0 to 100, got ${w}`];
    }
    default:
      return [`${at}.stage: must be 'stable', 'canary' or 'promoted', got '${(release as { stage: unknown }).stage}'`];
  }
}
