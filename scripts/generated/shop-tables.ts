/**
 * docs/architecture.md's tables of the shop, from the catalog: each service with its port, database,
 * calls and events, and what each service's `/readyz` needs (derived the way the services wire their
 * checks: an owned database means PostgreSQL, a consumed subject means NATS).
 */
import type { Catalog, ServiceSpec } from '@mesh-kit/catalog';

const code = (text: string): string => `\`${text}\``;
const list = (items: readonly string[]): string => (items.length === 0 ? '—' : items.join('<br/>'));

export function renderServicesTable(source: Catalog): string {
  const rows = source.services.map((s) => {
    const calls = s.calls.flatMap((call) =>
      call.methods.flatMap((method) => call.paths.map((path) => `${call.service}: ${method} ${code(path)}`)),
    );
    const events = [...s.publishes.map((x) => `publishes ${code(x)}`), ...s.consumes.map((x) => `consumes ${code(x)}`)];
    const gateway = [
      ...s.gateway.map((r) => code(r.prefix)),
      ...(s.callsGateway === true ? ['sends to the gateway'] : []),
    ];
    return `| ${s.name} | ${s.port} | ${s.database === undefined ? '—' : code(s.database)} | ${list(calls)} | ${list(events)} | ${list(gateway)} |`;
  });
  return [
    '| service | local port | database | calls (synchronous) | events | at the gateway |',
    '|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
}

/** What a service's `/readyz` checks, from what it owns and consumes. */
export function readinessNeeds(s: ServiceSpec): string {
  const needs = [
    ...(s.database === undefined ? [] : ['PostgreSQL (migrations applied)']),
    ...(s.consumes.length === 0 ? [] : ['NATS (connected, consumer started)']),
  ];
  const text = needs.length === 0 ? 'nothing' : needs.join(' and ');
  return s.publishes.length > 0 && s.consumes.length === 0
    ? `${text} — **not NATS** (it publishes through an outbox)`
    : text;
}

export function renderReadinessTable(source: Catalog): string {
  return [
    '| service | `/readyz` needs |',
    '|---|---|',
    ...source.services.map((s) => `| ${s.name} | ${readinessNeeds(s)} |`),
  ].join('\n');
}
