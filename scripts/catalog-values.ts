/**
 * The catalog's values the shell scripts need, printed as shell assignments for scripts/lib.sh's
 * `load_catalog` (`eval`). The catalog (infra/cdk8s/src/catalog.ts) is the only place they are
 * written; TypeScript imports the catalog itself.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { catalog, type Catalog } from '../infra/cdk8s/src/catalog.js';
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
  };
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
