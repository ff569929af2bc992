/**
 * The catalog's values the shell scripts need, printed as shell assignments for scripts/lib.sh's
 * `load_catalog` (`eval`). The catalog (packages/catalog/src/catalog.ts) is the only place they are
 * written; TypeScript imports the catalog itself.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog, type Catalog } from '@mesh-kit/catalog';
import { PART_OF, TIER_LABEL } from '../infra/cdk8s/src/mesh-names.js';

/** The values by shell variable name. */
export function catalogValues(source: Catalog = catalog): Record<string, string> {
  const [[partOfKey, partOfValue]] = Object.entries(PART_OF) as [[string, string]];
  return {
    NAMESPACE: source.namespace,
    PART_OF_LABEL: `${partOfKey}=${partOfValue}`,
    TIER_LABEL,
    SERVICES: source.services.map((s) => s.name).join(' '),
    POSTGRES_ADMIN_SECRET: source.secrets.postgresAdmin,
    DATABASE_SECRET_SUFFIX: source.secrets.databaseSuffix,
    LOG_STREAMS: String(logStreams(source)),
  };
}

/**
 * The most pods `make logs` may follow at once: each service at its autoscaler's maximum (or its
 * replicas), twice for a service with a v2 (a canary may grow as far as v1), one more per service
 * (a rollout's surge pod or a faulty replica), PostgreSQL, NATS and the database init Job.
 */
export function logStreams(source: Catalog = catalog): number {
  const services = source.services.reduce((sum, spec) => {
    const most = Math.max(spec.replicas, spec.autoscaling?.maxReplicas ?? 0);
    return sum + most * (spec.v2 === undefined ? 1 : 2) + 1;
  }, 0);
  return services + 3;
}

/** `NAME='value'` lines, single-quoted so that `eval` takes each value literally. */
export function shellAssignments(values: Readonly<Record<string, string>>): string {
  return Object.entries(values)
    .map(([name, value]) => `${name}='${value.replace(/'/g, `'\\''`)}'\n`)
    .join('');
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.stdout.write(shellAssignments(catalogValues()));
}
