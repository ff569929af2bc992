/**
 * `npm run stack` with a backing server missing says which one and which variable to set, instead
 * of a bare `connect ECONNREFUSED`.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { databasesWithPrefix, dropDatabases } from '../scripts/stack/databases.js';

const root = fileURLToPath(new URL('..', import.meta.url));

/** Runs scripts/stack.ts until it exits or `until` shows on stderr, then stops it; returns stderr. */
function stack(env: Record<string, string>, until: RegExp): Promise<string> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/stack.ts'], {
    cwd: root,
    env: { ...process.env, STACK_LOG_DIR: fileURLToPath(new URL('../.stack/diagnostics', import.meta.url)), ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  return new Promise((resolve) => {
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
      if (until.test(stderr)) child.kill('SIGTERM');
    });
    child.once('exit', () => resolve(stderr));
  });
}

describe('npm run stack names what is missing', () => {
  const { postgresAdminUrl } = inject('backing');
  afterAll(async () => {
    await dropDatabases(postgresAdminUrl, await databasesWithPrefix(postgresAdminUrl, 'diag_'));
  });

  it('PostgreSQL: the server, its address and STACK_POSTGRES_URL', async () => {
    const stderr = await stack(
      { STACK_POSTGRES_URL: 'postgres://postgres@127.0.0.1:1/postgres', STACK_SERVICES: 'users' },
      /stopped|exits/,
    );
    expect(stderr).toMatch(/PostgreSQL does not answer at 127\.0\.0\.1:1 .*STACK_POSTGRES_URL/);
  }, 120_000);

  it('NATS: the server, its address and NATS_URL, while the services wait for it', async () => {
    const stderr = await stack(
      {
        NATS_URL: 'nats://127.0.0.1:1',
        STACK_SERVICES: 'payments,analytics',
        STACK_DB_PREFIX: 'diag_',
        STACK_POSTGRES_URL: postgresAdminUrl,
      },
      /NATS does not answer/,
    );
    expect(stderr).toMatch(/NATS does not answer at 127\.0\.0\.1:1: .*NATS_URL/);
  }, 120_000);
});
