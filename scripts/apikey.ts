/**
 * `make apikey NAME=<client> SCOPES=stats:read[,…]` creates an API key and prints it once;
 * `make apikey-revoke NAME=<client>` revokes that client's active key at once (the next check
 * refuses it; nothing is redeployed). Only the key's SHA-256 is stored, in the apikeys database.
 *
 * Where the database is: with APIKEYS_DATABASE_URL (a local stack: postgres://…/meshkit_apikeys)
 * this script connects through that URL (`apikey.ts create|revoke`); otherwise it only plans
 * (`apikey.ts plan create|revoke`: shell assignments of the statement, the key and the messages)
 * and scripts/apikey.sh runs the statement through `kubectl exec` into the PostgreSQL pod, on the
 * user's machine — this script may run in a container without kubectl. psql reads the statement on
 * stdin, so neither the key nor its hash is on any command line. NAME and SCOPES are checked first,
 * before anything connects.
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { apiKeysDatabase, catalog, superuserPsql } from '@mesh-kit/catalog';
import {
  CLIENT_NAME_PATTERN,
  SCOPE_PATTERN,
  generateApiKey,
  hashApiKey,
  insertStatement,
  revokeStatement,
} from '@mesh-kit/catalog/api-key';
import { shellAssignments } from './catalog-values.js';

export { insertStatement };

/** Runs one SQL statement and returns the first column of each row it returns. */
export type SqlRunner = (sql: string) => Promise<string[]>;

export class ApiKeyInputError extends Error {}

export function parseName(name: string | undefined): string {
  if (name === undefined || name === '') throw new ApiKeyInputError('NAME is required: make apikey NAME=<client> …');
  if (!CLIENT_NAME_PATTERN.test(name)) {
    throw new ApiKeyInputError(`NAME: '${name}' must be lower-case letters, digits, '.', '_' or '-' (at most 63)`);
  }
  return name;
}

export function parseScopes(scopes: string | undefined): string[] {
  const list = (scopes ?? '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
  if (list.length === 0) throw new ApiKeyInputError('SCOPES is required: e.g. SCOPES=stats:read');
  const bad = list.filter((s) => !SCOPE_PATTERN.test(s));
  if (bad.length > 0)
    throw new ApiKeyInputError(`SCOPES: ${bad.map((s) => `'${s}'`).join(', ')} is not <resource>:<verb>`);
  return [...new Set(list)];
}

/** What a second active key for one name is refused with: the flag and the way out. */
export const activeKeyMessage = (name: string): string =>
  `NAME: '${name}' already has an active key; revoke it first (make apikey-revoke NAME=${name})`;
/** The unique index a second active key for one name violates. */
export const ACTIVE_NAME_INDEX = 'api_keys_active_name';
const announce = (name: string, scopes: readonly string[]): string =>
  `API key for '${name}' (${scopes.join(' ')}); shown once, only its hash is kept:`;
const revokedMessage = (name: string): string => `revoked the key of '${name}'`;
const noKeyMessage = (name: string): string => `'${name}' has no active key`;

/** Stores a new key's hash and returns the key, which exists nowhere else afterwards. */
export async function createApiKey(run: SqlRunner, name: string, scopes: readonly string[]): Promise<string> {
  const key = generateApiKey();
  try {
    await run(insertStatement(name, scopes, hashApiKey(key)));
  } catch (error) {
    if ((error as Error).message.includes(ACTIVE_NAME_INDEX)) throw new ApiKeyInputError(activeKeyMessage(name));
    throw error;
  }
  return key;
}

/** Revokes the client's active key; returns how many keys were revoked (0 or 1). */
export async function revokeApiKey(run: SqlRunner, name: string): Promise<number> {
  return (await run(revokeStatement(name))).length;
}

/** A client that connects on the first statement, so bad input never opens a connection. */
export function urlRunner(url: string): { run: SqlRunner; close: () => Promise<void> } {
  let client: pg.Client | undefined;
  return {
    async run(sql) {
      if (client === undefined) {
        client = new pg.Client({ connectionString: url });
        await client.connect();
      }
      const result = await client.query<Record<string, unknown>>(sql);
      return result.rows.map((row) => String(Object.values(row)[0]));
    },
    close: async () => {
      await client?.end().catch(() => undefined);
    },
  };
}

/**
 * For scripts/apikey.sh on a cluster: the statement to pipe into psql inside the PostgreSQL pod,
 * the key (create), and what to print, as shell assignments. Validates NAME and SCOPES first.
 */
export function clusterPlan(command: string, env: NodeJS.ProcessEnv, source = catalog): Record<string, string> {
  if (command !== 'create' && command !== 'revoke') {
    throw new ApiKeyInputError(`usage: apikey.ts plan create|revoke (NAME=, SCOPES=), got '${command}'`);
  }
  const name = parseName(env['NAME']);
  const target = {
    APIKEY_NAMESPACE: source.namespace,
    APIKEY_TARGET: `statefulset/${source.postgres.name}`,
    APIKEY_CONTAINER: source.postgres.name,
    APIKEY_PSQL: superuserPsql(apiKeysDatabase(source)).join(' '),
  };
  if (command === 'revoke') {
    return {
      ...target,
      APIKEY_SQL: revokeStatement(name),
      APIKEY_DONE: revokedMessage(name),
      APIKEY_NONE: noKeyMessage(name),
    };
  }
  const scopes = parseScopes(env['SCOPES']);
  const key = generateApiKey();
  return {
    ...target,
    APIKEY_SQL: insertStatement(name, scopes, hashApiKey(key)),
    APIKEY_KEY: key,
    APIKEY_DONE: announce(name, scopes),
    APIKEY_CONFLICT_INDEX: ACTIVE_NAME_INDEX,
    APIKEY_CONFLICT: activeKeyMessage(name),
  };
}

/** `create` or `revoke` against APIKEYS_DATABASE_URL; input is checked before the first connection. */
async function againstUrl(command: string | undefined, url: string): Promise<void> {
  const name = parseName(process.env.NAME);
  if (command !== 'create' && command !== 'revoke') {
    throw new ApiKeyInputError(`usage: apikey.ts create|revoke (NAME=, SCOPES=), got '${command ?? ''}'`);
  }
  const scopes = command === 'create' ? parseScopes(process.env.SCOPES) : [];
  const local = urlRunner(url);
  try {
    if (command === 'create') {
      const key = await createApiKey(local.run, name, scopes);
      process.stderr.write(`${announce(name, scopes)}\n`);
      process.stdout.write(`${key}\n`);
    } else {
      console.log((await revokeApiKey(local.run, name)) === 0 ? noKeyMessage(name) : revokedMessage(name));
    }
  } finally {
    await local.close();
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command, planned] = process.argv.slice(2);
  try {
    if (command === 'plan') {
      process.stdout.write(shellAssignments(clusterPlan(planned ?? '', process.env)));
    } else {
      const url = process.env.APIKEYS_DATABASE_URL ?? '';
      if (url === '') throw new ApiKeyInputError('APIKEYS_DATABASE_URL is required (or run `apikey.ts plan`)');
      await againstUrl(command, url);
    }
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exitCode = 1;
  }
}
