import pg from 'pg';

/** Creates each database that does not exist yet; safe when two stacks race. */
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
      const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
      if (found.rowCount !== 0) continue;
      try {
        await client.query(`CREATE DATABASE "${name}"`);
      } catch (error) {
        if ((error as { code?: string }).code !== '42P04') throw error; // created meanwhile
      }
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

/** Drops the databases a stack created; connections still open to them are cut. */
export async function dropDatabases(adminUrl: string, names: readonly string[]): Promise<void> {
  if (names.length === 0) return;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    for (const name of names) await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
