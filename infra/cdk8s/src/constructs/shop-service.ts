import { Construct } from 'constructs';
import {
  type Catalog,
  type ServiceSpec,
  apiKeyCheckSettings,
  apiKeyRoutes,
  circuitBreakerOf,
  databaseOwnerSecretName,
  databaseSecretName,
  natsSecretName,
  jwtSecretName,
  serviceUrlVariable,
  sidecarOf,
  usesBroker,
  findService,
} from '@mesh-kit/catalog';
import { credentialsAnnotations } from '../credentials-digest.js';
import { authorizationPath, principal, serviceHost, spanExportAnnotations } from '../mesh-names.js';
import { type AllowedCaller, ServiceAuthorization } from './service-authorization.js';
import { ServiceEgress } from './service-egress.js';
import { ServiceTraffic } from './service-traffic.js';
import { type EnvSource, ServiceWorkload } from './service-workload.js';
import { routingOf, scenarioEnv } from '../traffic-plan.js';
import { FAULTY } from '@mesh-kit/catalog/traffic';

export interface ShopServiceProps {
  readonly catalog: Catalog;
  readonly spec: ServiceSpec;
  /** Full image reference, `${registry}/${name}:${tag}`. */
  readonly image: string;
  /**
   * SHA-256 of each Secret by name: the pods carry a digest over the Secrets their env reads, so
   * new credentials roll them.
   * @default none: each Secret counts as `unknown`
   */
  readonly credentialDigests?: Readonly<Record<string, string>>;
}

/** The container env of a service, derived from the catalog (the env contract is its config schema). */
export function serviceEnv(catalog: Catalog, spec: ServiceSpec): Record<string, EnvSource> {
  const env: Record<string, EnvSource> = {
    PORT: { value: String(spec.port) },
    LOG_LEVEL: { value: 'info' },
    SHUTDOWN_TIMEOUT_MS: { value: String(catalog.defaults.shutdownTimeoutMs) },
    NODE_OPTIONS: { value: catalog.defaults.nodeOptions },
  };
  for (const [key, value] of Object.entries(scenarioEnv(catalog, spec))) env[key] = { value };
  if (spec.database !== undefined) {
    env.DATABASE_URL = { secret: databaseSecretName(spec.name, catalog), key: 'url' };
    env.DATABASE_MIGRATION_URL = { secret: databaseOwnerSecretName(spec.name, catalog), key: 'url' };
  }
  for (const call of spec.calls) {
    const callee = findService(call.service, catalog);
    env[serviceUrlVariable(callee.name)] = { value: `http://${serviceHost(callee.name, catalog)}:${callee.port}` };
  }
  if (usesBroker(spec)) {
    env.NATS_URL = { value: `nats://${serviceHost(catalog.nats.name, catalog)}:${catalog.nats.port}` };
    env.NATS_USER = { value: spec.name };
    env.NATS_PASSWORD = { secret: natsSecretName(spec.name, catalog), key: 'password' };
    env.OTEL_EXPORTER_ZIPKIN_ENDPOINT = { value: catalog.telemetry.spanCollectorUrl };
  }
  if (spec.name === catalog.ingress.apiKeys.service) env.EXT_AUTHZ_SETTINGS = { value: apiKeyCheckSettings(catalog) };
  if (spec.callsGateway === true) {
    env.GATEWAY_URL = { value: `http://${catalog.ingress.service}:${catalog.ingress.port}` };
    // A gateway caller signs with its own issuer and key pair (ingress.jwt.issuers, id = its name).
    const own = catalog.ingress.jwt.issuers.find((i) => i.id === spec.name);
    if (own === undefined)
      throw new Error(`${spec.name}: calls the gateway but ingress.jwt.issuers has no id '${spec.name}'`);
    env.JWT_SIGNING_KEY = { secret: jwtSecretName(spec.name, catalog), key: catalog.secrets.jwtPrivateKey };
    env.JWT_ISSUER = { value: own.issuer };
    env.JWT_AUDIENCE = { value: own.audiences[0] ?? '' };
    // The only subjects the gateway lets this issuer act as: the signer refuses any other.
    if (own.subjectPrefix !== undefined) env.JWT_SUBJECT_PREFIX = { value: own.subjectPrefix };
  }
  const issued = catalog.ingress.jwt.issuers.find((i) => i.service === spec.name);
  if (issued !== undefined) {
    // An identity provider in the shop: the issuer browsers see, the API's audience, its signing key.
    env.IDENTITY_ISSUER = { value: issued.issuer };
    env.IDENTITY_AUDIENCE = { value: issued.audiences[0] ?? '' };
    env.IDENTITY_SIGNING_KEY = { secret: jwtSecretName(spec.name, catalog), key: catalog.secrets.jwtPrivateKey };
  }
  return env;
}

/** Whom a service admits: each declared caller on its declared calls, the gateway on public routes. */
export function allowedCallers(catalog: Catalog, spec: ServiceSpec): AllowedCaller[] {
  const callers: AllowedCaller[] = [];
  for (const caller of catalog.services) {
    const calls = caller.calls.filter((c) => c.service === spec.name);
    if (calls.length === 0) continue;
    callers.push({
      principal: principal(catalog.namespace, caller.name),
      operations: calls.map((c) => ({ methods: c.methods, paths: c.paths.map(authorizationPath) })),
    });
  }
  const publicRoutes = spec.routes.filter((r) => spec.gateway.some((g) => isUnder(r.path, g.rewrite)));
  if (publicRoutes.length > 0) {
    callers.push({
      principal: principal(catalog.ingress.namespace, catalog.ingress.serviceAccount),
      operations: publicRoutes.map((r) => ({ methods: [r.method], paths: [authorizationPath(r.path)] })),
    });
  }
  if (spec.name === catalog.ingress.apiKeys.service) {
    // The gateway's ext_authz checks: the client's method, its path under the provider's prefix.
    const prefix = catalog.ingress.apiKeys.pathPrefix;
    callers.push({
      principal: principal(catalog.ingress.namespace, catalog.ingress.serviceAccount),
      operations: apiKeyRoutes(catalog).map((r) => ({
        methods: [r.method],
        paths: [prefix + authorizationPath(r.path)],
      })),
    });
  }
  return callers;
}

/** Whether `path` is `prefix` itself or below it. */
export function isUnder(path: string, prefix: string): boolean {
  return path === prefix || path.startsWith(`${prefix.replace(/\/$/, '')}/`);
}

/** `<namespace>/<host>` entries a service's proxy may reach: its declared dependencies only. */
export function egressHosts(catalog: Catalog, spec: ServiceSpec): string[] {
  const hosts = spec.calls.map((c) => `./${serviceHost(c.service, catalog)}`);
  if (spec.database !== undefined) hosts.push(`./${serviceHost(catalog.postgres.name, catalog)}`);
  if (usesBroker(spec)) hosts.push(`./${serviceHost(catalog.nats.name, catalog)}`);
  if (spec.callsGateway === true) hosts.push(`${catalog.ingress.namespace}/${catalog.ingress.service}`);
  hosts.push(catalog.telemetry.collectorHost);
  return [...new Set(hosts)];
}

/** Everything one catalog entry becomes: workload objects plus its mesh policy. */
export class ShopService extends Construct {
  constructor(scope: Construct, id: string, props: ShopServiceProps) {
    super(scope, id);
    const { catalog, spec } = props;
    const namespace = catalog.namespace;
    const host = serviceHost(spec.name, catalog);
    const selector = { app: spec.name };
    const routing = routingOf(catalog, spec);
    const env = serviceEnv(catalog, spec);
    new ServiceWorkload(this, 'workload', {
      name: spec.name,
      namespace,
      image: props.image,
      port: spec.port,
      replicas: spec.replicas,
      resources: spec.resources,
      sidecar: sidecarOf(spec, catalog),
      env,
      podAnnotations: {
        ...credentialsAnnotations(
          Object.values(env).flatMap((source) => ('secret' in source ? [source.secret] : [])),
          props.credentialDigests ?? {},
        ),
        ...(env.OTEL_EXPORTER_ZIPKIN_ENDPOINT === undefined
          ? {}
          : spanExportAnnotations(catalog.telemetry.spanCollectorUrl)),
      },
      version: catalog.version,
      versions: routing.deployed.map((d) => ({
        version: d.version,
        deploymentName: d.deploymentName,
        image: d.imageTag === undefined ? props.image : props.image.replace(/:[^:/]+$/, `:${d.imageTag}`),
        replicas: d.replicas,
        env: { ...env, ...Object.fromEntries(Object.entries(d.env).map(([k, value]) => [k, { value }])) },
        // A faulty replica stays one pod: outlier detection, not the autoscaler, deals with it.
        ...(spec.autoscaling === undefined || d.version === FAULTY
          ? {}
          : {
              autoscaling: {
                ...spec.autoscaling,
                // A canary starts from its own replicas and may grow as far as the first; the
                // version carrying the traffic (v1, or a promoted v2) keeps the catalog's floor.
                minReplicas: d.primary ? spec.autoscaling.minReplicas : d.replicas,
              },
            }),
      })),
      shutdownTimeoutMs: catalog.defaults.shutdownTimeoutMs,
    });
    if (spec.routes.length > 0) {
      new ServiceTraffic(this, 'traffic', {
        name: spec.name,
        namespace,
        host,
        port: spec.port,
        routes: spec.routes,
        circuitBreaker: circuitBreakerOf(spec, catalog),
        ownWorkMarginPercent: catalog.defaults.ownWorkMarginPercent,
        routing,
      });
    }
    new ServiceAuthorization(this, 'authorization', {
      name: spec.name,
      namespace,
      selector,
      callers: allowedCallers(catalog, spec),
    });
    new ServiceEgress(this, 'egress', { name: spec.name, namespace, selector, hosts: egressHosts(catalog, spec) });
  }
}
