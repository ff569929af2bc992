import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';
import { ensureDatabases, stackDatabaseRoles } from '../scripts/stack/databases.js';
import { withDatabase } from '../scripts/stack/plan.js';

export interface TestDatabase {
  /** The admin's URL: for what a test does around the service (faults, other roles' sessions). */
  readonly url: string;
  /** The owner role's URL, as the services migrate (scripts/stack/databases.ts). */
  readonly ownerUrl: string;
  /** The runtime role's URL, as the services serve: DML only, a statement timeout. */
  readonly runtimeUrl: string;
  readonly name: string;
  drop(): Promise<void>;
}

/**
 * A fresh, uniquely named database with the stack's owner and runtime roles; `drop()` removes it
 * and them (and cuts any connection left open).
 */
export async function createTestDatabase(prefix: string): Promise<TestDatabase> {
  const adminUrl = inject('backing').postgresAdminUrl;
  const name = `t_${prefix.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  await ensureDatabases(adminUrl, [name]);
  const roles = stackDatabaseRoles(name);
  return {
    name,
    url: withDatabase(adminUrl, name),
    ownerUrl: withDatabase(adminUrl, name, roles.owner),
    runtimeUrl: withDatabase(adminUrl, name, roles.runtime),
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // A pool's end() can resolve while its last connection is still closing; FORCE would then
        // terminate that connection and its client would raise an unhandled error. Let them go.
        for (let i = 0; i < 40; i += 1) {
          const { rows } = await client.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if (rows[0]!.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        for (const role of [roles.runtime, roles.owner]) await client.query(`DROP ROLE IF EXISTS "${role.user}"`);
      } finally {
        await client.end();
      }
    },
  };
}

/** The SQLSTATE that `sql` fails with on a connection of its own to `url`, or 'ok'. */
export async function sqlStateOf(url: string, sql: string): Promise<string> {
  const client = new pg.Client({ connectionString: url });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query(sql);
    return 'ok';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}
