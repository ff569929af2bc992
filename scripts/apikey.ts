/**
 * `make apikey NAME=<client> SCOPES=stats:read[,…]` creates an API key and prints it once;
 * `make apikey-revoke NAME=<client>` revokes that client's active key at once (the next check
 * refuses it; nothing is redeployed). Only the key's SHA-256 is stored, in the apikeys database.
 *
 * Where the database is: with APIKEYS_DATABASE_URL (a local stack: postgres://…/meshkit_apikeys)
 * through that URL; otherwise in the cluster, through `kubectl exec` into the PostgreSQL pod, psql
 * reading the statement on stdin (nothing on a command line; the key never leaves this process).
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { apiKeysDatabase, catalog, superuserPsql } from '../infra/cdk8s/src/catalog.js';
import {
  CLIENT_NAME_PATTERN,
  SCOPE_PATTERN,
  generateApiKey,
  hashApiKey,
  insertStatement,
  revokeStatement,
} from '../services/apikeys/src/api-key.js';

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

/** Stores a new key's hash and returns the key, which exists nowhere else afterwards. */
export async function createApiKey(run: SqlRunner, name: string, scopes: readonly string[]): Promise<string> {
  const key = generateApiKey();
  try {
    await run(insertStatement(name, scopes, hashApiKey(key)));
  } catch (error) {
    if (/api_keys_active_name/.test((error as Error).message)) {
      throw new ApiKeyInputError(
        `NAME: '${name}' already has an active key; revoke it first (make apikey-revoke NAME=${name})`,
      );
    }
    throw error;
  }
  return key;
}

/** Revokes the client's active key; returns how many keys were revoked (0 or 1). */
export async function revokeApiKey(run: SqlRunner, name: string): Promise<number> {
  return (await run(revokeStatement(name))).length;
}

export function urlRunner(url: string): { run: SqlRunner; close: () => Promise<void> } {
  const client = new pg.Client({ connectionString: url });
  const connected = client.connect();
  return {
    async run(sql) {
      await connected;
      const result = await client.query<Record<string, unknown>>(sql);
      return result.rows.map((row) => String(Object.values(row)[0]));
    },
    close: () => client.end(),
  };
}

/** psql inside the cluster's PostgreSQL pod, as the superuser over its local socket. */
export function kubectlRunner(context: string, namespace: string, database: string): SqlRunner {
  return (sql) =>
    new Promise((resolvePromise, reject) => {
      const child = spawn(
        'kubectl',
        [
          '--context',
          context,
          '-n',
          namespace,
          'exec',
          '-i',
          `statefulset/${catalog.postgres.name}`,
          '-c',
          catalog.postgres.name,
          '--',
          ...superuserPsql(database),
        ],
        { stdio: ['pipe', 'pipe', 'pipe'] },
      );
      let out = '';
      let err = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString('utf8')));
      child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString('utf8')));
      child.on('error', (error) => reject(new Error(`kubectl: ${error.message} (run \`make tools\`)`)));
      child.on('close', (code) => {
        if (code === 0) resolvePromise(out.split('\n').filter((line) => line !== ''));
        else reject(new Error(`psql in ${namespace}/${catalog.postgres.name} failed: ${err.trim() || `exit ${code}`}`));
      });
      child.stdin.end(`${sql}\n`);
    });
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const [command] = process.argv.slice(2);
  const database = apiKeysDatabase(catalog);
  const url = process.env.APIKEYS_DATABASE_URL ?? '';
  const local = url === '' ? undefined : urlRunner(url);
  const run = local?.run ?? kubectlRunner(process.env.KUBE_CONTEXT ?? 'kind-mesh-kit', catalog.namespace, database);
  try {
    const name = parseName(process.env.NAME);
    if (command === 'create') {
      const scopes = parseScopes(process.env.SCOPES);
      const key = await createApiKey(run, name, scopes);
      process.stderr.write(`API key for '${name}' (${scopes.join(' ')}); shown once, only its hash is kept:\n`);
      process.stdout.write(`${key}\n`);
    } else if (command === 'revoke') {
      const revoked = await revokeApiKey(run, name);
      console.log(revoked === 0 ? `'${name}' has no active key` : `revoked the key of '${name}'`);
    } else {
      throw new ApiKeyInputError(`usage: apikey.ts create|revoke (NAME=, SCOPES=), got '${command ?? ''}'`);
    }
  } catch (error) {
    console.error(`error: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    await local?.close();
  }
}
