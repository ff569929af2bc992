/**
 * The database init Job's script, run as the Job runs it (the synthesized command and env names)
 * against a PostgreSQL cluster of the test's own with password authentication: no password on any
 * command line, each role connects to its own database only, and each database has an owner that
 * migrates and a runtime role limited to DML, a connection limit and a statement timeout.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog, databaseOwnerRole, runtimeConnectionLimit } from '@mesh-kit/catalog';
import { migrate } from '@mesh-kit/runtime';
import { silentLogger } from '../test-support/silent-logger.js';
import { createShopApp } from '../infra/cdk8s/src/charts/shop-app.js';
import { fixtureJwksByIssuer } from '../infra/cdk8s/test/support/shop.js';
import {
  postgresBinDir,
  postgresUnavailable,
  startPostgresServer,
  type OwnPostgresServer,
} from './faults/support/postgres-server.js';
import { sqlStateOf } from '../test-support/databases.js';

interface EnvVar {
  readonly name: string;
  readonly value?: string;
  readonly valueFrom?: { readonly secretKeyRef: { readonly name: string; readonly key: string } };
}
interface JobContainer {
  readonly command: readonly string[];
  readonly env: readonly EnvVar[];
}

function initJob(): JobContainer {
  const app = createShopApp({ catalog, imageRegistry: 'mesh-kit', imageTag: '0.1.0', jwks: fixtureJwksByIssuer });
  const objects = app.charts.flatMap((chart) => chart.toJson() as { kind: string; spec?: unknown }[]);
  const job = objects.find(
    (o) => o.kind === 'Job' && (o as { metadata?: { name?: string } }).metadata?.name?.startsWith('postgres-init-'),
  ) as { spec: { template: { spec: { containers: JobContainer[] } } } } | undefined;
  if (job === undefined) throw new Error('no Job in the synthesized shop');
  return job.spec.template.spec.containers[0]!;
}

const owners = catalog.services.filter((s) => s.database !== undefined);
const skip = postgresUnavailable();
const container = initJob();
const script = container.command[2]!;
const passwords = new Map(owners.map((s) => [s.name, `pw-${s.name}-${randomBytes(12).toString('hex')}`]));
const ownerPasswords = new Map(owners.map((s) => [s.name, `pw-owner-${s.name}-${randomBytes(12).toString('hex')}`]));
let server: OwnPostgresServer;
let work: string;
let port: number;

/** The env the Job's pod gets, with the Secrets' values filled in and the server pointed at ours. */
function jobEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {
    PATH: `${join(work, 'bin')}:${process.env.PATH ?? ''}`,
    CMDLINE_LOG: join(work, 'argv.log'),
  };
  for (const variable of container.env) {
    const ref = variable.valueFrom?.secretKeyRef;
    if (ref === undefined) {
      env[variable.name] = variable.value;
      continue;
    }
    const owner = ref.name.endsWith('-db-owner');
    const service = ref.name.replace(/-db(-owner)?$/, '');
    const spec = owners.find((s) => s.name === service);
    if (ref.name === 'postgres-admin') env[variable.name] = 'not-needed-trust-for-postgres';
    else if (spec === undefined) throw new Error(`unexpected Secret ${ref.name}`);
    else if (ref.key === 'username') env[variable.name] = owner ? databaseOwnerRole(spec.name) : spec.name;
    else if (ref.key === 'password') env[variable.name] = (owner ? ownerPasswords : passwords).get(spec.name);
    else if (ref.key === 'database') env[variable.name] = spec.database;
    else throw new Error(`unexpected key ${ref.key} of ${ref.name}`);
  }
  return { ...env, PGHOST: '127.0.0.1', PGPORT: String(port) };
}

function runScript(): Promise<{ code: number | null; output: string }> {
  const child = spawn('sh', ['-c', script], { env: jobEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}

const urlOf = (user: string, password: string, database: string): string =>
  `postgres://${encodeURIComponent(user)}:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;

async function connectAs(user: string, password: string, database: string): Promise<string> {
  const client = new pg.Client({ host: '127.0.0.1', port, user, password, database });
  client.on('error', () => undefined);
  try {
    await client.connect();
    await client.query('SELECT 1');
    return 'connected';
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  } finally {
    await client.end().catch(() => undefined);
  }
}

beforeAll(async () => {
  if (skip !== undefined) return;
  work = mkdtempSync(join(tmpdir(), 'mesh-kit-pginit-'));
  // psql and pg_isready shims first on PATH: each records its full argument list, then runs the real one.
  const bin = join(work, 'bin');
  mkdirSync(bin);
  for (const tool of ['psql', 'pg_isready']) {
    const shim = join(bin, tool);
    const real = join(postgresBinDir!, tool);
    writeFileSync(shim, `#!/bin/sh\nprintf '%s\\n' "${tool} $*" >> "$CMDLINE_LOG"\nexec ${real} "$@"\n`);
    chmodSync(shim, 0o755);
  }
  server = await startPostgresServer();
  port = Number(new URL(server.url).port);
  // Passwords count for every role but the admin, as on a real server.
  writeFileSync(
    join(server.dataDir, 'pg_hba.conf'),
    'local all postgres trust\nhost all postgres 127.0.0.1/32 trust\nhost all all 127.0.0.1/32 scram-sha-256\n',
  );
  const admin = new pg.Client({ connectionString: server.url });
  await admin.connect();
  await admin.query('SELECT pg_reload_conf()');
  // The layout before the owner role: the service's own role owned its database and tables.
  const [earlier] = owners;
  await admin.query(`CREATE ROLE "${earlier!.name}" LOGIN`);
  await admin.query(`CREATE DATABASE "${earlier!.database!}" OWNER "${earlier!.name}"`);
  await admin.end();
  const old = new pg.Client({ connectionString: server.url.replace(/\/[^/]*$/, `/${earlier!.database!}`) });
  await old.connect();
  await old.query(`SET ROLE "${earlier!.name}"`);
  await old.query('CREATE TABLE earlier_rows (id int)');
  await old.end();
}, 60_000);

afterAll(async () => {
  if (skip !== undefined) return;
  await server?.destroy();
  rmSync(work, { recursive: true, force: true });
});

describe.skipIf(skip !== undefined)('the database init Job against a real PostgreSQL', () => {
  it('creates each role and database, twice without error, and no command line carries a password', async () => {
    const first = await runScript();
    expect(first.output).not.toMatch(/ERROR/);
    expect(first.code).toBe(0);
    const second = await runScript();
    expect(second.code).toBe(0);

    const commandLines = [script, ...readFileSync(join(work, 'argv.log'), 'utf8').trim().split('\n')];
    expect(commandLines.some((line) => line.startsWith('psql '))).toBe(true);
    for (const secret of passwords.values()) {
      for (const line of commandLines) expect(line).not.toContain(secret);
    }
    for (const spec of owners) {
      expect(await connectAs(spec.name, passwords.get(spec.name)!, spec.database!)).toBe('connected');
    }
  });

  it('lets a role connect to its own database only', async () => {
    const [a, b] = owners;
    expect(a).toBeDefined();
    expect(b).toBeDefined();
    // 42501: insufficient_privilege ("permission denied for database"); 28P01: wrong password.
    expect(await connectAs(a!.name, passwords.get(a!.name)!, b!.database!)).toBe('42501');
    expect(await connectAs(b!.name, passwords.get(b!.name)!, a!.database!)).toBe('42501');
    expect(await connectAs(a!.name, passwords.get(a!.name)!, 'postgres')).toBe('42501');
    expect(await connectAs(a!.name, passwords.get(a!.name)!, 'template1')).toBe('42501');
    expect(await connectAs(a!.name, 'wrong', a!.database!)).toBe('28P01');
  });

  it('gives each database an owner that runs the migrations and a runtime role limited to DML on its tables', async () => {
    const products = owners.find((s) => s.name === 'products')!;
    const ownerUrl = urlOf(databaseOwnerRole(products.name), ownerPasswords.get(products.name)!, products.database!);
    const runtimeUrl = urlOf(products.name, passwords.get(products.name)!, products.database!);
    await migrate(ownerUrl, fileURLToPath(new URL('../services/products/migrations', import.meta.url)), silentLogger());
    expect(await sqlStateOf(runtimeUrl, 'SELECT count(*) FROM products')).toBe('ok');
    expect(await sqlStateOf(runtimeUrl, "UPDATE products SET name = name WHERE sku = 'mug-001'")).toBe('ok');
    // 42501: insufficient_privilege (no CREATE on the schema; only an owner drops, alters or truncates).
    expect(await sqlStateOf(runtimeUrl, 'CREATE TABLE intruder (id int)')).toBe('42501');
    expect(await sqlStateOf(runtimeUrl, 'DROP TABLE products')).toBe('42501');
    expect(await sqlStateOf(runtimeUrl, 'ALTER TABLE products ADD COLUMN x int')).toBe('42501');
    expect(await sqlStateOf(runtimeUrl, 'TRUNCATE products')).toBe('42501');
    expect(await sqlStateOf(runtimeUrl, 'CREATE SCHEMA intruder')).toBe('42501');
    // A migration the owner runs later is the runtime role's to use at once (default privileges).
    expect(await sqlStateOf(ownerUrl, 'CREATE TABLE later_rows (id serial PRIMARY KEY, v text)')).toBe('ok');
    expect(await sqlStateOf(runtimeUrl, "INSERT INTO later_rows (v) VALUES ('x')")).toBe('ok');
  });

  it('moves what the service role owned in the earlier layout to the owner', async () => {
    const [earlier] = owners;
    const admin = new pg.Client({ connectionString: server.url.replace(/\/[^/]*$/, `/${earlier!.database!}`) });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ db: string; table: string }>(
        `SELECT (SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()) AS db,
                (SELECT tableowner FROM pg_tables WHERE tablename = 'earlier_rows') AS table`,
      );
      expect(rows[0]).toEqual({ db: databaseOwnerRole(earlier!.name), table: databaseOwnerRole(earlier!.name) });
    } finally {
      await admin.end();
    }
    const runtimeUrl = urlOf(earlier!.name, passwords.get(earlier!.name)!, earlier!.database!);
    expect(await sqlStateOf(runtimeUrl, 'SELECT * FROM earlier_rows')).toBe('ok');
    expect(await sqlStateOf(runtimeUrl, 'DROP TABLE earlier_rows')).toBe('42501');
  });

  it("cancels the runtime role's statement at the catalog's timeout; the owner's runs on", async () => {
    const products = owners.find((s) => s.name === 'products')!;
    const runtimeUrl = urlOf(products.name, passwords.get(products.name)!, products.database!);
    const client = new pg.Client({ connectionString: runtimeUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ ms: string }>(
        "SELECT setting AS ms FROM pg_settings WHERE name = 'statement_timeout'",
      );
      expect(Number(rows[0]!.ms)).toBe(catalog.runtimeRole.statementTimeoutMs);
      // 57014: query_canceled ("canceling statement due to statement timeout").
      await expect(client.query('SELECT pg_sleep(600)')).rejects.toMatchObject({ code: '57014' });
    } finally {
      await client.end();
    }
    const ownerUrl = urlOf(databaseOwnerRole(products.name), ownerPasswords.get(products.name)!, products.database!);
    expect(
      await sqlStateOf(ownerUrl, "SELECT setting FROM pg_settings WHERE name = 'statement_timeout' AND setting = '0'"),
    ).toBe('ok');
  });

  it("refuses the runtime role's connections beyond its limit", async () => {
    const products = owners.find((s) => s.name === 'products')!;
    const limit = runtimeConnectionLimit(products);
    const runtimeUrl = urlOf(products.name, passwords.get(products.name)!, products.database!);
    const clients = Array.from({ length: limit }, () => new pg.Client({ connectionString: runtimeUrl }));
    try {
      await Promise.all(clients.map((c) => c.connect()));
      // 53300: too_many_connections ("too many connections for role").
      expect(await sqlStateOf(runtimeUrl, 'SELECT 1')).toBe('53300');
      const ownerUrl = urlOf(databaseOwnerRole(products.name), ownerPasswords.get(products.name)!, products.database!);
      expect(await sqlStateOf(ownerUrl, 'SELECT 1')).toBe('ok');
    } finally {
      await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    }
  });
});
