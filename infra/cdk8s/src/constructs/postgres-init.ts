import { createHash } from 'node:crypto';
import { Construct } from 'constructs';
import { KubeJob, KubeServiceAccount, Quantity } from '../../imports/k8s.js';
import { PART_OF, podLabels } from '../mesh-names.js';
import { ServiceEgress } from './service-egress.js';

/** A database to create: its owning service and the Secret with username, password and database. */
export interface OwnedDatabase {
  readonly service: string;
  readonly secret: string;
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
 * The idempotent script the Job runs: per database its role (password refreshed), the database owned
 * by it, and CONNECT for that role only. No secret is ever an argument: psql and pg_isready take the
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
    sql.push(
      `\\getenv role ${envName(db.service, 'username')}`,
      `\\getenv pass ${envName(db.service, 'password')}`,
      `\\getenv db ${envName(db.service, 'database')}`,
      `SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')\\gexec`,
      `SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role', :'pass')\\gexec`,
      `SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\\gexec`,
      `SELECT format('REVOKE CONNECT ON DATABASE %I FROM PUBLIC', :'db')\\gexec`,
      `SELECT format('GRANT CONNECT ON DATABASE %I TO %I', :'db', :'role')\\gexec`,
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

/** A Job, in the mesh, that creates one database and role per owning service from its Secret. */
export class PostgresInit extends Construct {
  constructor(scope: Construct, id: string, props: PostgresInitProps) {
    super(scope, id);
    const { name, namespace } = props;
    const metadata = { name, namespace, labels: { ...PART_OF, app: name } };
    const env = [
      { name: 'PGHOST', value: props.host },
      { name: 'PGPORT', value: String(props.port) },
      { name: 'PGUSER', value: 'postgres' },
      { name: 'PGDATABASE', value: 'postgres' },
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: props.adminSecret, key: 'password' } } },
      ...props.databases.flatMap((db) =>
        ['username', 'password', 'database'].map((key) => ({
          name: envName(db.service, key),
          valueFrom: { secretKeyRef: { name: db.secret, key } },
        })),
      ),
    ];
    new KubeServiceAccount(this, 'service-account', {
      metadata,
      automountServiceAccountToken: false,
    });
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
    new KubeJob(this, 'job', {
      metadata: { ...metadata, name: jobName(name, digest, revision) },
      spec: {
        // The script itself waits for PostgreSQL, so a failure is real (a refused password, bad SQL):
        // two retries, then Failed, which scripts/apply.sh reports at once.
        backoffLimit: 2,
        template: {
          metadata: { labels: podLabels(name, props.version) },
          spec: {
            serviceAccountName: name,
            automountServiceAccountToken: false,
            restartPolicy: 'Never',
            securityContext: {
              runAsNonRoot: true,
              runAsUser: 70,
              runAsGroup: 70,
              seccompProfile: { type: 'RuntimeDefault' },
            },
            containers: [
              {
                name,
                image: props.image,
                imagePullPolicy: 'IfNotPresent',
                command: ['sh', '-c', script],
                env,
                resources: {
                  requests: { cpu: Quantity.fromString('10m'), memory: Quantity.fromString('16Mi') },
                  limits: { cpu: Quantity.fromString('200m'), memory: Quantity.fromString('64Mi') },
                },
                securityContext: {
                  runAsNonRoot: true,
                  allowPrivilegeEscalation: false,
                  privileged: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ['ALL'] },
                },
              },
            ],
          },
        },
      },
    });
    new ServiceEgress(this, 'egress', { name, namespace, selector: { app: name }, hosts: props.egress });
  }
}
