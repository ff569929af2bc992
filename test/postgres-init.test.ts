/**
 * The database init Job's script, run as the Job runs it (the synthesized command and env names)
 * against a PostgreSQL cluster of the test's own with password authentication: no password on any
 * command line, and each role connects to its own database only.
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalog } from '@mesh-kit/catalog';
import { createShopApp } from '../infra/cdk8s/src/charts/shop-app.js';
import { fixtureJwksByIssuer } from '../infra/cdk8s/test/support/shop.js';
import {
  postgresBinDir,
  postgresUnavailable,
  startPostgresServer,
  type OwnPostgresServer,
} from './faults/support/postgres-server.js';

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
  const job = objects.find((o) => o.kind === 'Job') as
    { spec: { template: { spec: { containers: JobContainer[] } } } } | undefined;
  if (job === undefined) throw new Error('no Job in the synthesized shop');
  return job.spec.template.spec.containers[0]!;
}

const owners = catalog.services.filter((s) => s.database !== undefined);
const skip = postgresUnavailable();
const container = initJob();
const script = container.command[2]!;
const passwords = new Map(owners.map((s) => [s.name, `pw-${s.name}-${randomBytes(12).toString('hex')}`]));
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
    const service = ref.name.replace(/-db$/, '');
    const spec = owners.find((s) => s.name === service);
    if (ref.name === 'postgres-admin') env[variable.name] = 'not-needed-trust-for-postgres';
    else if (spec === undefined) throw new Error(`unexpected Secret ${ref.name}`);
    else if (ref.key === 'username') env[variable.name] = spec.name;
    else if (ref.key === 'password') env[variable.name] = passwords.get(spec.name);
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
  await admin.end();
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
});
