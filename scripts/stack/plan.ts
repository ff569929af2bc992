import { generateKeyPairSync } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { stackDatabaseRoles } from './databases.js';
import {
  apiKeyCheckSettings,
  catalog as shopCatalog,
  serviceUrlVariable,
  usesBroker,
  type Catalog,
} from '@mesh-kit/catalog';

export interface StackOptions {
  /** A PostgreSQL URL whose role may create databases; each service gets its own database there. */
  readonly postgresAdminUrl: string;
  readonly natsUrl: string;
  /** Prefix of the databases the stack creates (`meshkit_users`, …). */
  readonly databasePrefix: string;
  /** Added to every catalog port, to run a second stack beside the first. */
  readonly portOffset: number;
  readonly host: string;
  /** Extra env given to every service (LOG_LEVEL, SHUTDOWN_TIMEOUT_MS, …). */
  readonly sharedEnv: Readonly<Record<string, string>>;
  /** Prefixes the event streams and subjects of this stack on a shared NATS. @default '' (none) */
  readonly eventsNamespace?: string;
  /** Run only these services (their callees' URLs are still wired). @default every local service */
  readonly only?: readonly string[];
  /** Where the local ingress gateway listens. @default none: no gateway */
  readonly gatewayPort?: number;
  /**
   * Where the local gateway also listens with HTTPS (the certificate `make secrets` makes for
   * localhost). @default none
   */
  readonly gatewayHttpsPort?: number;
  /** The issuers' keys for the local gateway (as `make secrets` writes them). @default '.secrets' */
  readonly secretsDir?: string;
  /**
   * The private key (PKCS #8 PEM) an identity provider in the shop signs with.
   * @default an ephemeral RSA key made for this stack (tokens die with it)
   */
  readonly identitySigningKey?: string;
}

export interface PlannedService {
  readonly name: string;
  readonly url: string;
  readonly entry: string;
  readonly database: string | undefined;
  readonly env: Readonly<Record<string, string>>;
}

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

/** `url` pointed at `database`, as `role` when given (else as the URL's own user). */
export function withDatabase(url: string, database: string, role?: { user: string; password: string }): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  if (role !== undefined) {
    parsed.username = encodeURIComponent(role.user);
    parsed.password = encodeURIComponent(role.password);
  }
  return parsed.toString();
}

let ephemeral: string | undefined;
const ephemeralKey = (): string =>
  (ephemeral ??= generateKeyPairSync('rsa', { modulusLength: 2048 })
    .privateKey.export({ format: 'pem', type: 'pkcs8' })
    .toString());

/**
 * The local processes of the shop, wired from the catalog the manifests use: the same ports,
 * the same dependency variables (`USERS_URL` …), one database per owning service. Services that
 * only talk to the ingress gateway (loadgen) have nothing to drive locally and are left out.
 */
export function planStack(options: StackOptions, catalog: Catalog = shopCatalog): PlannedService[] {
  const local = catalog.services.filter((s) => s.callsGateway !== true);
  const urlOf = (name: string): string => {
    const spec = local.find((s) => s.name === name);
    if (spec === undefined) throw new Error(`catalog: a call names '${name}', which is not a local service`);
    return `http://${options.host}:${spec.port + options.portOffset}`;
  };
  const unknown = (options.only ?? []).filter((name) => !local.some((s) => s.name === name));
  if (unknown.length > 0) throw new Error(`STACK_SERVICES: no local service named ${unknown.join(', ')}`);
  const selected = options.only === undefined ? local : local.filter((s) => options.only!.includes(s.name));
  return selected.map((spec) => {
    const database = spec.database === undefined ? undefined : `${options.databasePrefix}${spec.database}`;
    const env: Record<string, string> = {
      NODE_OPTIONS: catalog.defaults.nodeOptions,
      ...options.sharedEnv,
      ...spec.env,
      PORT: String(spec.port + options.portOffset),
      HOST: options.host,
    };
    if (database !== undefined) {
      // The cluster's two roles (scripts/stack/databases.ts): the service serves as the runtime role
      // and migrates as the owner, never as the admin.
      const { owner, runtime } = stackDatabaseRoles(database);
      env.DATABASE_URL = withDatabase(options.postgresAdminUrl, database, runtime);
      env.DATABASE_MIGRATION_URL = withDatabase(options.postgresAdminUrl, database, owner);
    }
    if (usesBroker(spec)) {
      env.NATS_URL = options.natsUrl;
      if ((options.eventsNamespace ?? '') !== '') env.EVENTS_NAMESPACE = options.eventsNamespace!;
    }
    for (const call of spec.calls) env[serviceUrlVariable(call.service)] = urlOf(call.service);
    if (spec.name === catalog.ingress.apiKeys.service) env.EXT_AUTHZ_SETTINGS = apiKeyCheckSettings(catalog);
    const issued = catalog.ingress.jwt.issuers.find((i) => i.service === spec.name);
    if (issued !== undefined) {
      // Behind the local gateway the provider is the catalog's issuer (stackCatalog puts it on the
      // gateway's port) and sees one proxy hop; without one it is its own issuer at its own port.
      const path = spec.gateway.find((g) => g.auth === 'signIn')?.prefix ?? '';
      env.IDENTITY_ISSUER = options.gatewayPort === undefined ? `${urlOf(spec.name)}${path}` : issued.issuer;
      env.IDENTITY_AUDIENCE = issued.audiences[0] ?? '';
      env.IDENTITY_SIGNING_KEY = options.identitySigningKey ?? ephemeralKey();
      env.TRUSTED_PROXY_HOPS = options.gatewayPort === undefined ? '0' : '1';
    }
    // The browser shop signs in with the shop's provider as this stack runs it: behind the local
    // gateway, the catalog's issuer (stackCatalog put it on the gateway's origin, what the browser opens).
    const provider = catalog.ingress.jwt.issuers.find((i) => i.service !== undefined);
    if (options.gatewayPort !== undefined && env.WEB_OIDC_ISSUER !== undefined && provider !== undefined) {
      env.WEB_OIDC_ISSUER = provider.issuer;
    }
    return {
      name: spec.name,
      url: urlOf(spec.name),
      entry: `${repoRoot}services/${spec.name}/dist/server.js`,
      database,
      env,
    };
  });
}
