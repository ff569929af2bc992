import { spawn } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from '../../events/support/nats-server.js';

const DEBIAN_PG_ROOT = '/usr/lib/postgresql';

/** The directory holding initdb and pg_ctl: POSTGRES_BIN_DIR, else the newest /usr/lib/postgresql/<n>/bin. */
export const postgresBinDir: string | undefined = (() => {
  const fromEnv = process.env.POSTGRES_BIN_DIR;
  if (fromEnv !== undefined && fromEnv !== '') return existsSync(join(fromEnv, 'pg_ctl')) ? fromEnv : undefined;
  if (!existsSync(DEBIAN_PG_ROOT)) return undefined;
  const versions = readdirSync(DEBIAN_PG_ROOT)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(DEBIAN_PG_ROOT, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] === undefined ? undefined : join(DEBIAN_PG_ROOT, versions[0], 'bin');
})();

/** initdb and the server refuse to run as root: as root they run as this user. */
const UNPRIVILEGED_USER = process.env.POSTGRES_OS_USER ?? 'postgres';
const RUNUSER = '/usr/sbin/runuser';
const isRoot = userInfo().uid === 0;

function osUser(name: string): { uid: number; gid: number } | undefined {
  const passwd = existsSync('/etc/passwd') ? readFileSync('/etc/passwd', 'utf8') : '';
  const line = passwd.split('\n').find((l) => l.startsWith(`${name}:`));
  if (line === undefined) return undefined;
  const [, , uid, gid] = line.split(':');
  return { uid: Number(uid), gid: Number(gid) };
}

/** Why this machine cannot run a PostgreSQL cluster of the tests' own, or undefined when it can. */
export function postgresUnavailable(): string | undefined {
  if (postgresBinDir === undefined) {
    return `PostgreSQL server binaries not found (set POSTGRES_BIN_DIR, or install them under ${DEBIAN_PG_ROOT}/<version>/bin)`;
  }
  if (isRoot && (!existsSync(RUNUSER) || osUser(UNPRIVILEGED_USER) === undefined)) {
    return `running as root: initdb needs ${RUNUSER} and an unprivileged OS user '${UNPRIVILEGED_USER}' (POSTGRES_OS_USER)`;
  }
  return undefined;
}

/** Runs a PostgreSQL binary, as the unprivileged user when we are root. */
async function run(binary: string, args: readonly string[]): Promise<void> {
  const path = join(postgresBinDir!, binary);
  const [command, argv] = isRoot ? [RUNUSER, ['-u', UNPRIVILEGED_USER, '--', path, ...args]] : [path, [...args]];
  const child = spawn(command, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('close', resolve));
  if (code !== 0) throw new Error(`${binary} ${args.join(' ')} exited ${String(code)}:\n${output.trim()}`);
}

/**
 * A PostgreSQL cluster of the tests' own (own data directory, own port, trust auth), so a test
 * may terminate its connections, stop and start it without touching the shared server.
 */
export interface OwnPostgresServer {
  /** An admin URL (user postgres, database postgres). */
  readonly url: string;
  readonly dataDir: string;
  start(): Promise<void>;
  /** `pg_ctl stop -m fast`: clients are disconnected, then the server exits. */
  stop(): Promise<void>;
  isRunning(): boolean;
  /** pg_terminate_backend on every client backend but this one; resolves with how many. */
  terminateConnections(): Promise<number>;
  /** Stops it and removes its data directory. */
  destroy(): Promise<void>;
}

export async function startPostgresServer(): Promise<OwnPostgresServer> {
  const unavailable = postgresUnavailable();
  if (unavailable !== undefined) throw new Error(unavailable);
  const port = await freePort();
  const base = mkdtempSync(join(tmpdir(), 'mesh-kit-pg-'));
  const dataDir = join(base, 'data');
  if (isRoot) {
    const owner = osUser(UNPRIVILEGED_USER)!;
    chownSync(base, owner.uid, owner.gid);
  }
  await run('initdb', ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync']);
  // Durability is not under test here; fsync off keeps the cluster cheap on a shared machine.
  const serverOptions = [
    `-p ${port}`,
    `-k ${base}`,
    '-c listen_addresses=127.0.0.1',
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=200',
  ].join(' ');
  let running = false;
  const start = async (): Promise<void> => {
    await run('pg_ctl', [
      '-D',
      dataDir,
      '-l',
      join(base, 'server.log'),
      '-o',
      serverOptions,
      '-w',
      '-t',
      '30',
      'start',
    ]);
    running = true;
  };
  const stop = async (): Promise<void> => {
    if (!running) return;
    await run('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
    running = false;
  };
  await start();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  return {
    url,
    dataDir,
    start,
    stop,
    isRunning: () => running,
    async terminateConnections() {
      const client = new pg.Client({ connectionString: url });
      client.on('error', () => undefined);
      await client.connect();
      try {
        const { rows } = await client.query<{ n: string }>(
          `SELECT count(*) FILTER (WHERE pg_terminate_backend(pid)) AS n FROM pg_stat_activity
            WHERE pid <> pg_backend_pid() AND backend_type = 'client backend'`,
        );
        return Number(rows[0]?.n ?? 0);
      } finally {
        await client.end();
      }
    },
    async destroy() {
      await stop().catch(() => undefined);
      rmSync(base, { recursive: true, force: true });
    },
  };
}
