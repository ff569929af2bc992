import { createHash } from 'node:crypto';
import pg from 'pg';
import { catalog } from '@mesh-kit/catalog';

/**
 * The local stack's two roles per database, as the cluster's init Job makes them
 * (infra/cdk8s/src/constructs/postgres-init.ts): the owner runs the migrations, the runtime role
 * (what the service serves with) has DML only, a connection limit and a statement timeout.
 */
export interface StackDatabaseRoles {
  readonly owner: { readonly user: string; readonly password: string };
  readonly runtime: { readonly user: string; readonly password: string };
}

/** The roles of a stack's database. Their passwords are derived from the names: local use only. */
export function stackDatabaseRoles(database: string): StackDatabaseRoles {
  const role = (user: string): { user: string; password: string } => ({
    user,
    password: createHash('sha256').update(`mesh-kit-stack:${user}`).digest('hex'),
  });
  return { owner: role(`${database}_owner`), runtime: role(database) };
}

/** One local process per service: its request pool (10), probe and relay connections, and a restart's overlap. */
const STACK_CONNECTION_LIMIT = 30;

/** Runs the statement `format(template, ...args)` builds on the server (identifiers quoted with %I, literals with %L). */
async function run(client: pg.Client, template: string, ...args: string[]): Promise<void> {
  const placeholders = args.map((_, i) => `$${i + 2}::text`).join(', ');
  const { rows } = await client.query<{ sql: string }>(
    `SELECT format($1::text${placeholders === '' ? '' : `, ${placeholders}`}) AS sql`,
    [template, ...args],
  );
  await client.query(rows[0]!.sql);
}

/** The owner and runtime roles of `database`, with the runtime role's limits; the owner migrates later. */
async function ensureRoles(client: pg.Client, database: string): Promise<void> {
  const { owner, runtime } = stackDatabaseRoles(database);
  for (const role of [owner, runtime]) {
    try {
      await run(client, 'CREATE ROLE %I LOGIN', role.user);
    } catch (error) {
      if ((error as { code?: string }).code !== '42710') throw error; // exists (or created meanwhile)
    }
  }
  const plain = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
  await run(client, `ALTER ROLE %I WITH LOGIN ${plain} PASSWORD %L`, owner.user, owner.password);
  await run(
    client,
    `ALTER ROLE %I WITH LOGIN ${plain} CONNECTION LIMIT ${STACK_CONNECTION_LIMIT} PASSWORD %L`,
    runtime.user,
    runtime.password,
  );
  await run(
    client,
    'ALTER ROLE %I SET statement_timeout = %L',
    runtime.user,
    `${catalog.runtimeRole.statementTimeoutMs}ms`,
  );
}

/** Inside `database`: DML for the runtime role on what the owner has made and will make. */
async function grantRuntime(adminUrl: string, database: string): Promise<void> {
  const { owner, runtime } = stackDatabaseRoles(database);
  const url = new URL(adminUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await run(client, 'ALTER DATABASE %I OWNER TO %I', database, owner.user);
    await run(client, 'REASSIGN OWNED BY %I TO %I', runtime.user, owner.user);
    // A database of an earlier stack, migrated as the admin: its tables move to the owner, which
    // migrates from now on (a table's sequences and indexes follow it).
    const { rows } = await client.query<{ sql: string }>(
      "SELECT format('ALTER TABLE %I.%I OWNER TO %I', schemaname, tablename, $1::text) AS sql FROM pg_tables WHERE schemaname = 'public' AND tableowner <> $1",
      [owner.user],
    );
    for (const row of rows) await client.query(row.sql);
    await client.query('REVOKE CREATE ON SCHEMA public FROM PUBLIC');
    await run(client, 'GRANT USAGE ON SCHEMA public TO %I', runtime.user);
    await run(client, 'GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', runtime.user);
    await run(client, 'GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %I', runtime.user);
    await run(
      client,
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I',
      owner.user,
      runtime.user,
    );
    await run(
      client,
      'ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I',
      owner.user,
      runtime.user,
    );
  } finally {
    await client.end();
  }
}

/**
 * Creates each database that does not exist yet, owned by its owner role, with its runtime role
 * (stackDatabaseRoles); safe when two stacks race.
 */
export async function ensureDatabases(adminUrl: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const client = new pg.Client({ connectionString: adminUrl });
  try {
    await client.connect();
  } catch (error) {
    const { hostname, port } = new URL(adminUrl);
    throw new Error(
      `stack: PostgreSQL does not answer at ${hostname}:${port || 5432} (${error instanceof Error ? error.message : String(error)}): ` +
        'start it, or set STACK_POSTGRES_URL to a server whose role may create databases',
      { cause: error },
    );
  }
  try {
    for (const name of names) {
      await ensureRoles(client, name);
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount === 0) {
        try {
          await run(client, 'CREATE DATABASE %I OWNER %I', name, stackDatabaseRoles(name).owner.user);
        } catch (error) {
          if ((error as { code?: string }).code !== '42P04') throw error; // created meanwhile
        }
      }
      await grantRuntime(adminUrl, name);
    }
  } finally {
    await client.end();
  }
}

/** The names of the databases a stack owns: every planned service's, or every one with a prefix. */
export async function databasesWithPrefix(adminUrl: string, prefix: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ datname: string }>('SELECT datname FROM pg_database WHERE datname LIKE $1', [
      `${prefix.replace(/[\\%_]/g, '\\$&')}%`,
    ]);
    return rows.map((r) => r.datname);
  } finally {
    await client.end();
  }
}

/** Drops the databases a stack created, and their roles; connections still open to them are cut. */
export async function dropDatabases(adminUrl: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) {
      await run(client, 'DROP DATABASE IF EXISTS %I WITH (FORCE)', name);
      const { owner, runtime } = stackDatabaseRoles(name);
      for (const role of [runtime, owner]) await run(client, 'DROP ROLE IF EXISTS %I', role.user);
    }
  } finally {
    await client.end();
  }
}
