/**
 * docs/architecture.md's resilience tables, from the catalog: every route's timeout, tries and
 * retry conditions with the calls it waits for, and each service's circuit breaker.
 */
import { circuitBreakerOf, type Catalog, type RouteSpec } from '@mesh-kit/catalog';

export const duration = (ms: number): string => (ms >= 1000 ? `${ms / 1000} s` : `${ms} ms`);

function tries(route: RouteSpec): string {
  const r = route.retries;
  return r === undefined || r.attempts === 0 ? '1' : `${1 + r.attempts} × ${duration(r.perTryTimeoutMs)}`;
}

function waitsFor(route: RouteSpec): string {
  const calls = route.calls ?? [];
  if (calls.length === 0) return '—';
  const names = calls.map((c) => `${c.service} ${c.method} \`${c.path}\``).join(', ');
  return calls.length === 1 ? names : `${names} (${route.callOrder ?? 'sequential'})`;
}

const policyOf = (route: RouteSpec): string =>
  [
    route.idempotent ? 'yes' : 'no',
    duration(route.timeoutMs),
    tries(route),
    `\`${route.retries?.retryOn ?? '—'}\``,
  ].join(' | ');

export function renderRouteTable(source: Catalog): string {
  const rows: string[] = [];
  for (const service of source.services) {
    // Routes of one service with the same policy and no calls share a row.
    const groups = new Map<string, string[]>();
    for (const route of service.routes) {
      const key = `${policyOf(route)} | ${waitsFor(route)}`;
      const label = `${route.method} \`${route.path}\``;
      if ((route.calls ?? []).length > 0) rows.push(`| ${service.name} | ${label} | ${key} |`);
      else groups.set(key, [...(groups.get(key) ?? []), label]);
    }
    for (const [key, labels] of groups) rows.push(`| ${service.name} | ${labels.join(', ')} | ${key} |`);
  }
  return [
    '| service | route | idempotent | timeout | tries × per try | retried on | waits for |',
    '|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

export function renderCircuitBreakerTable(source: Catalog): string {
  // Services with the same breaker share a row.
  const rows = new Map<string, string[]>();
  for (const service of source.services) {
    const b = circuitBreakerOf(service, source);
    const o = b.outlierDetection;
    const outlier =
      o === undefined
        ? 'none'
        : `${o.consecutive5xxErrors} consecutive 5xx in ${duration(o.intervalMs)}: ejected ${duration(o.baseEjectionTimeMs)} (at most ${o.maxEjectionPercent} %)`;
    const row = `${b.maxConnections} | ${b.maxPendingRequests} | ${b.retryBudget.percent} %, at least ${b.retryBudget.minRetryConcurrency} | ${b.maxRetries} | ${outlier}`;
    rows.set(row, [...(rows.get(row) ?? []), service.name]);
  }
  return [
    '| services | connections | pending requests | retry budget | `maxRetries` | outlier detection |',
    '|---|---|---|---|---|---|',
    ...[...rows].map(([row, names]) => `| ${names.join(', ')} | ${row} |`),
  ].join('\n');
}
