import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { MeshJob } from './mesh-job.js';

/** A database to create for a service, and its two roles, each from a Secret with username, password and database. */
export interface OwnedDatabase {
  readonly service: string;
  /** The runtime role's Secret: the role the service serves with (DML only). */
  readonly secret: string;
  /** The owner role's Secret: the role that owns the database and runs the migrations. */
  readonly ownerSecret: string;
  /** The runtime role's `CONNECTION LIMIT`. */
  readonly connectionLimit: number;
  /** The runtime role's `statement_timeout`, in milliseconds. */
  readonly statementTimeoutMs: number;
}

export interface PostgresInitProps {
  readonly name: string;
  readonly namespace: string;
  readonly version: string;
  readonly image: string;
  /** Host name of the PostgreSQL Service. */
  readonly host: string;
  readonly port: number;
  /** The Secret (key `password`) of the `postgres` superuser. */
  readonly adminSecret: string;
  readonly databases: readonly OwnedDatabase[];
  /** `<namespace>/<host>` entries the Job's proxy may reach. */
  readonly egress: readonly string[];
  /**
   * A SHA-256 (hex) of the credentials in the Secrets; its first 8 digits end the Job's name, so new
   * credentials make a new Job that runs `ALTER ROLE` again. The Helm chart appends the same digits
   * from `database.credentialsRevision` (scripts/chart.ts), so both paths name the Job alike.
   * @default none: the name ends with the digest of the Job's script, env and image only
   */
  readonly credentialsRevision?: string;
}

const envName = (service: string, key: string): string =>
  `${service.toUpperCase().replace(/-/g, '_')}_DB_${key.toUpperCase()}`;

/**
 * The idempotent script the Job runs. Per database: an owner role that owns the database and its
 * tables (the migrations run as it) and a runtime role (the service's) with DML on the tables only,
 * a connection limit and a statement timeout; CONNECT for those two roles only. An earlier layout,
 * where the service's own role owned everything, is moved to the owner (`REASSIGN OWNED`). No secret is ever an argument: psql and pg_isready take the
 * server from PGHOST/PGPORT/PGUSER/PGDATABASE and the admin password from PGPASSWORD, and psql reads
 * each role's name, password and database with `\getenv` (psql 15+) from the Job's env, so
 * `/proc/<pid>/cmdline` shows variable names only.
 */
export function postgresInitScript(databases: readonly OwnedDatabase[]): string {
  const sql = [
    // Nobody but a database's own role (and superusers) may connect to it.
    'REVOKE CONNECT ON DATABASE postgres FROM PUBLIC;',
    'REVOKE CONNECT ON DATABASE template1 FROM PUBLIC;',
  ];
  for (const db of databases) {
    if (!Number.isInteger(db.connectionLimit) || db.connectionLimit < 1) {
      throw new Error(`${db.service}: connectionLimit must be a positive integer, got ${db.connectionLimit}`);
    }
    if (!Number.isInteger(db.statementTimeoutMs) || db.statementTimeoutMs < 1) {
      throw new Error(`${db.service}: statementTimeoutMs must be a positive integer, got ${db.statementTimeoutMs}`);
    }
    const plain = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
    sql.push(
      `\\getenv role ${envName(db.service, 'username')}`,
      `\\getenv pass ${envName(db.service, 'password')}`,
      `\\getenv db ${envName(db.service, 'database')}`,
      `\\getenv owner ${envName(db.service, 'owner_username')}`,
      `\\getenv ownerpass ${envName(db.service, 'owner_password')}`,
      `SELECT format('CREATE ROLE %I LOGIN', :'owner') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'owner')\\gexec`,
      `SELECT format('ALTER ROLE %I WITH LOGIN ${plain} PASSWORD %L', :'owner', :'ownerpass')\\gexec`,
      `SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')\\gexec`,
      `SELECT format('ALTER ROLE %I WITH LOGIN ${plain} CONNECTION LIMIT ${db.connectionLimit} PASSWORD %L', :'role', :'pass')\\gexec`,
      `SELECT format('ALTER ROLE %I SET statement_timeout = %L', :'role', '${db.statementTimeoutMs}ms')\\gexec`,
      `SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'owner') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\\gexec`,
      `SELECT format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', :'db')\\gexec`,
      `SELECT format('GRANT CONNECT ON DATABASE %I TO %I, %I', :'db', :'owner', :'role')\\gexec`,
      // Inside the database: what the runtime role owned moves to the owner (the database too), and
      // it keeps DML on every table, now and after each migration the owner runs.
      `\\connect :"db"`,
      `SELECT format('REASSIGN OWNED BY %I TO %I', :'role', :'owner')\\gexec`,
      'REVOKE CREATE ON SCHEMA public FROM PUBLIC;',
      `SELECT format('GRANT USAGE ON SCHEMA public TO %I', :'role')\\gexec`,
      `SELECT format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', :'role')\\gexec`,
      `SELECT format('GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO %I', :'role')\\gexec`,
      `SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', :'owner', :'role')\\gexec`,
      `SELECT format('ALTER DEFAULT PRIVILEGES FOR ROLE %I IN SCHEMA public GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO %I', :'owner', :'role')\\gexec`,
      '\\connect postgres',
    );
  }
  const lines = [
    'set -eu',
    'until pg_isready -q; do sleep 2; done',
    "psql -X -v ON_ERROR_STOP=1 <<'SQL'",
    ...sql,
    'SQL',
  ];
  return `${lines.join('\n')}\n`;
}

/** `<name>-<8 digits of what the Job does>[-<8 digits of the credentials' digest>]`. */
export const jobName = (name: string, digest: string, credentialsRevision: string): string =>
  `${name}-${digest.slice(0, 8)}${credentialsRevision === '' ? '' : `-${credentialsRevision.slice(0, 8)}`}`;

/** A Job, in the mesh, that creates one database and its owner and runtime roles per owning service from their Secrets. */
export class PostgresInit extends Construct {
  constructor(scope: Construct, id: string, props: PostgresInitProps) {
    super(scope, id);
    const { name, namespace } = props;
    const env = [
      { name: 'PGHOST', value: props.host },
      { name: 'PGPORT', value: String(props.port) },
      { name: 'PGUSER', value: 'postgres' },
      { name: 'PGDATABASE', value: 'postgres' },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: props.adminSecret, key: 'password' } } },
      ...props.databases.flatMap((db) => [
        ...['username', 'password', 'database'].map((key) => ({
          name: envName(db.service, key),
          valueFrom: { secretKeyRef: { name: db.secret, key } },
        })),
        ...['username', 'password'].map((key) => ({
          name: envName(db.service, `owner_${key}`),
          valueFrom: { secretKeyRef: { name: db.ownerSecret, key } },
        })),
      ]),
    ];
    // A Job's pod template is immutable, so the name carries a hash of what it does: the same
    // catalog re-applies as no change at all, a changed one (a new database) is a new Job that runs.
    const script = postgresInitScript(props.databases);
    const digest = createHash('sha256')
      .update(JSON.stringify({ script, env, image: props.image }))
      .digest('hex');
    const revision = props.credentialsRevision ?? '';
    if (revision !== '' && !/^[0-9a-f]{64}$/.test(revision)) {
      throw new Error(`${name}: credentialsRevision must be a SHA-256 in hex, got '${revision}'`);
    }
    new MeshJob(this, 'job', {
      name,
      namespace,
      version: props.version,
      jobName: jobName(name, digest, revision),
      image: props.image,
      // The script itself waits for PostgreSQL, so a failure is real (a refused password, bad SQL).
      command: ['sh', '-c', script],
      env,
      uid: 70,
      resources: { cpuRequestMilli: 10, memoryRequestMi: 16, cpuLimitMilli: 200, memoryLimitMi: 64 },
      egress: props.egress,
    });
  }
}
