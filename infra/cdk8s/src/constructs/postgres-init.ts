import { createHash } from 'node:crypto';
import { ApiObject } from 'cdk8s';
import { Construct } from 'constructs';
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
  /** host:port of the PostgreSQL Service. */
  readonly host: string;
  readonly port: number;
  /** The Secret (key `password`) of the `postgres` superuser. */
  readonly adminSecret: string;
  readonly databases: readonly OwnedDatabase[];
  /** `<namespace>/<host>` entries the Job's proxy may reach. */
  readonly egress: readonly string[];
  /**
   * A digest of the credentials in the Secrets; part of the Job's name, so new credentials make a
   * new Job that runs `ALTER ROLE` again.
   * @default none
   */
  readonly credentialsRevision?: string;
}

const envName = (service: string, key: string): string =>
  `${service.toUpperCase().replace(/-/g, '_')}_DB_${key.toUpperCase()}`;

/** The idempotent SQL run for one database: role (password refreshed), then database owned by it. */
function initScript(props: PostgresInitProps): string {
  const lines = ['set -eu', `until pg_isready -h ${props.host} -p ${props.port} -U postgres; do sleep 2; done`];
  for (const db of props.databases) {
    const v = (key: string): string => `"$${envName(db.service, key)}"`;
    lines.push(
      `psql -v ON_ERROR_STOP=1 -h ${props.host} -p ${props.port} -U postgres -d postgres` +
        ` -v role=${v('username')} -v pass=${v('password')} -v db=${v('database')} <<'SQL'`,
      `SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role')\\gexec`,
      `SELECT format('ALTER ROLE %I WITH LOGIN PASSWORD %L', :'role', :'pass')\\gexec`,
      `SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role') WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'db')\\gexec`,
      'SQL',
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A Job, in the mesh, that creates one database and role per owning service from its Secret. */
export class PostgresInit extends Construct {
  constructor(scope: Construct, id: string, props: PostgresInitProps) {
    super(scope, id);
    const { name, namespace } = props;
    const metadata = { name, namespace, labels: { ...PART_OF, app: name } };
    const env = [
      { name: 'PGPASSWORD', valueFrom: { secretKeyRef: { name: props.adminSecret, key: 'password' } } },
      ...props.databases.flatMap((db) =>
        ['username', 'password', 'database'].map((key) => ({
          name: envName(db.service, key),
          valueFrom: { secretKeyRef: { name: db.secret, key } },
        })),
      ),
    ];
    new ApiObject(this, 'service-account', {
      apiVersion: 'v1',
      kind: 'ServiceAccount',
      metadata,
      automountServiceAccountToken: false,
    });
    // A Job's pod template is immutable, so the name carries a hash of what it does: the same
    // catalog re-applies as no change at all, a changed one (a new database) is a new Job that runs.
    const script = initScript(props);
    const digest = createHash('sha256')
      .update(JSON.stringify({ script, env, image: props.image, credentials: props.credentialsRevision ?? null }))
      .digest('hex');
    new ApiObject(this, 'job', {
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { ...metadata, name: `${name}-${digest.slice(0, 8)}` },
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
                  requests: { cpu: '10m', memory: '16Mi' },
                  limits: { cpu: '200m', memory: '64Mi' },
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
