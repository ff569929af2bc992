import { App, Chart, YamlOutputType } from 'cdk8s';
import type { Construct } from 'constructs';
import { IntOrString } from '../../imports/k8s.js';
import {
  type Catalog,
  apiKeyRoutes,
  databaseOwnerSecretName,
  databaseSecretName,
  natsSecretName,
  runtimeConnectionLimit,
  usesBroker,
} from '@mesh-kit/catalog';
import { BROKER_BOOTSTRAP, brokerUsers, streamLimits } from '../broker-permissions.js';
import { assertValidCatalog } from '../catalog-check.js';
import { BrokerBootstrap } from '../constructs/broker-bootstrap.js';
import { BrokerConfig } from '../constructs/broker-config.js';
import { credentialsAnnotations } from '../credentials-digest.js';
import { GatewayApiKeys } from '../constructs/gateway-api-keys.js';
import { GatewayAuthentication } from '../constructs/gateway-authentication.js';
import { GatewayEdgeRateLimit } from '../constructs/gateway-edge-rate-limit.js';
import { GatewayHsts } from '../constructs/gateway-hsts.js';
import { GatewayRateLimit } from '../constructs/gateway-rate-limit.js';
import { GatewayTokenLifetime } from '../constructs/gateway-token-lifetime.js';
import { HTTPS_PORT_NAME, IngressRoutes } from '../constructs/ingress-routes.js';
import { MeshDefaults } from '../constructs/mesh-defaults.js';
import { NamespaceDefaultDeny } from '../constructs/namespace-default-deny.js';
import { WorkloadNetworkPolicy } from '../constructs/workload-network-policy.js';
import { POSTGRES_INIT, workloadAllowances } from '../network-allowances.js';
import { PostgresInit } from '../constructs/postgres-init.js';
import { ShopNamespace } from '../constructs/shop-namespace.js';
import { ShopService } from '../constructs/shop-service.js';
import { StatefulBackingService } from '../constructs/stateful-backing-service.js';
import { gatewayPaths } from '../gateway-paths.js';
import { assertReleaseTag } from '../image-tags.js';
import { assertPublicJwks } from '../jwks.js';
import { PART_OF, TIER_LABEL, authorizationPath, principal, serviceHost } from '../mesh-names.js';

export interface ShopOptions {
  readonly catalog: Catalog;
  /** Image registry prefix: images are `${imageRegistry}/<service>:<tag>`. */
  readonly imageRegistry: string;
  /** The tag of every service's image that `imageTags` does not name. */
  readonly imageTag: string;
  /**
   * Each service's own tag, by service name (scripts/lib.sh hashes only that image's inputs).
   * @default imageTag for every service
   */
  readonly imageTags?: Readonly<Record<string, string>>;
  /**
   * Public JWKS (JSON text) by issuer id, for the gateway's RequestAuthentication: one for every
   * catalog issuer without a `jwksUri`. A JWKS holding a private key is refused.
   */
  readonly jwks: Readonly<Record<string, string>>;
  /**
   * A digest of the database credentials (never the credentials): a new value re-runs the
   * database init Job, so regenerated passwords reach a database that outlived them.
   * @default none: the Job re-runs only when its script, image or env change
   */
  readonly credentialsRevision?: string;
  /**
   * SHA-256 of each Secret's content by Secret name (never the content): every pod template that
   * reads Secrets carries a digest over those it reads (credentials-digest.ts), so new credentials
   * roll exactly the pods that use them (the services' and NATS').
   * @default none: each Secret counts as `unknown`, so the templates stay the same until digests are given
   */
  readonly credentialDigests?: Readonly<Record<string, string>>;
}

const NATS_CONFIG = 'nats-config';

/** Adds the shop's charts to `app`: one file per chart, named so `kubectl apply -f` meets the namespace first. */
export function addShopCharts(app: App, options: ShopOptions): void {
  const { catalog } = options;
  assertValidCatalog(catalog);
  assertReleaseTag('IMAGE_TAG', options.imageTag);
  for (const [service, tag] of Object.entries(options.imageTags ?? {})) {
    if (!catalog.services.some((s) => s.name === service)) throw new Error(`imageTags: '${service}' is no catalog service`);
    assertReleaseTag(`the image tag of ${service}`, tag);
  }
  for (const [issuer, text] of Object.entries(options.jwks)) assertPublicJwks(issuer, text);
  const chart = (id: string, namespace?: string, labels: Record<string, string> = {}): Chart =>
    new Chart(app, id, { labels: { ...PART_OF, ...labels }, ...(namespace === undefined ? {} : { namespace }) });

  new ShopNamespace(chart('00-namespace'), 'namespace', {
    name: catalog.namespace,
    maxRetryAmplification: catalog.maxRetryAmplification,
    requestBudget: catalog.requestBudget,
  });
  const allowances = new Map(workloadAllowances(catalog).map((a) => [a.name, a]));
  const networkPolicy = (scope: Construct, name: string): void => {
    const allowance = allowances.get(name);
    if (allowance === undefined) throw new Error(`no network allowance for workload '${name}'`);
    new WorkloadNetworkPolicy(scope, `network-policy-${name}`, { namespace: catalog.namespace, allowance });
  };
  const mesh = chart('10-mesh', catalog.namespace);
  new NamespaceDefaultDeny(mesh, 'default-deny', { namespace: catalog.namespace });
  new MeshDefaults(mesh, 'mesh', {
    namespace: catalog.namespace,
    tracingProvider: catalog.telemetry.tracingProvider,
    samplingPercent: catalog.telemetry.samplingPercent,
    accessLogProvider: catalog.telemetry.accessLogProvider,
  });
  const data = chart('20-data', catalog.namespace, { [TIER_LABEL]: 'data' });
  addData(data, catalog, options);
  for (const name of [catalog.postgres.name, catalog.nats.name, POSTGRES_INIT, BROKER_BOOTSTRAP]) networkPolicy(data, name);
  for (const spec of catalog.services) {
    const scope = chart(`30-${spec.name}`, catalog.namespace);
    new ShopService(scope, 'service', {
      catalog,
      spec,
      image: `${options.imageRegistry}/${spec.name}:${options.imageTags?.[spec.name] ?? options.imageTag}`,
      credentialDigests: options.credentialDigests ?? {},
    });
    networkPolicy(scope, spec.name);
  }
  new IngressRoutes(chart('40-ingress', catalog.namespace), 'ingress', { catalog });
  const edge = chart('50-gateway-policy', catalog.ingress.namespace);
  const { jwt, apiKeys } = catalog.ingress;
  new GatewayAuthentication(edge, 'authentication', {
    namespace: catalog.ingress.namespace,
    selector: catalog.ingress.selector,
    issuers: jwt.issuers,
    jwks: options.jwks,
    identityHeader: jwt.identityHeader,
    gatewaySetHeaders: [apiKeys.clientHeader, apiKeys.scopesHeader],
    protectedPaths: [`${jwt.protectedPrefix}*`],
    publicGetPaths: gatewayPaths(catalog)
      .filter((p) => p.auth === 'public')
      .map((p) => authorizationPath(p.path)),
  });
  new GatewayHsts(edge, 'hsts', {
    namespace: catalog.ingress.namespace,
    selector: catalog.ingress.selector,
    gateway: `${catalog.namespace}/${catalog.namespace}-gateway`,
    portName: HTTPS_PORT_NAME,
    maxAgeSeconds: catalog.ingress.tls.hstsMaxAgeSeconds,
  });
  new GatewayTokenLifetime(edge, 'token-lifetime', {
    namespace: catalog.ingress.namespace,
    selector: catalog.ingress.selector,
    issuers: jwt.issuers,
    jwks: options.jwks,
  });
  new GatewayApiKeys(edge, 'api-keys', {
    namespace: catalog.ingress.namespace,
    selector: catalog.ingress.selector,
    provider: apiKeys.provider,
    routes: apiKeyRoutes(catalog),
  });
  const { perAddress, ...perClient } = catalog.ingress.rateLimit;
  new GatewayEdgeRateLimit(edge, 'edge-rate-limit', {
    namespace: catalog.ingress.namespace,
    selector: catalog.ingress.selector,
    ...perAddress,
    routes: apiKeyRoutes(catalog),
    keyHeader: apiKeys.keyHeader,
  });
  new GatewayRateLimit(edge, 'rate-limit', {
    namespace: catalog.ingress.namespace,
    selector: catalog.ingress.selector,
    ...perClient,
    clientHeaders: [
      { header: jwt.identityHeader, descriptorKey: 'user' },
      { header: apiKeys.clientHeader, descriptorKey: 'api_client' },
    ],
  });
}

function addData(scope: Construct, catalog: Catalog, options: ShopOptions): void {
  const { postgres, nats, namespace } = catalog;
  const owners = catalog.services.filter((s) => s.database !== undefined);
  const brokerClients = catalog.services.filter(usesBroker);
  const sidecar = catalog.defaults.sidecar;
  const collector = catalog.telemetry.collectorHost;
  new StatefulBackingService(scope, 'postgres', {
    spec: postgres,
    namespace,
    version: catalog.version,
    runAsUser: 70,
    env: [
      { name: 'POSTGRES_PASSWORD', valueFrom: { secretKeyRef: { name: catalog.secrets.postgresAdmin, key: 'password' } } },
      { name: 'PGDATA', value: '/var/lib/postgresql/data/pgdata' },
    ],
    dataPath: '/var/lib/postgresql/data',
    scratchPaths: ['/var/run/postgresql'],
    readiness: { exec: { command: ['pg_isready', '-U', 'postgres', '-h', '127.0.0.1'] }, periodSeconds: 5 },
    liveness: { exec: { command: ['pg_isready', '-U', 'postgres', '-h', '127.0.0.1'] }, periodSeconds: 15, failureThreshold: 6 },
    sidecar,
    callers: [...owners.map((s) => principal(namespace, s.name)), principal(namespace, POSTGRES_INIT)],
    egress: [collector],
  });
  const brokerConfig = new BrokerConfig(scope, 'nats-config', {
    name: NATS_CONFIG,
    namespace,
    users: brokerUsers(catalog),
  });
  new StatefulBackingService(scope, 'nats', {
    spec: nats,
    namespace,
    version: catalog.version,
    runAsUser: 1000,
    // The monitoring port (8222) serves the kubelet's probes only: the Service leaves it out and the
    // NetworkPolicies admit no pod to it.
    args: ['--config', `/etc/nats/${brokerConfig.fileName}`, '--jetstream', '--store_dir', '/data', '--http_port', '8222'],
    env: brokerUsers(catalog).map((u) => ({
      name: u.passwordVariable,
      valueFrom: { secretKeyRef: { name: natsSecretName(u.user, catalog), key: 'password' } },
    })),
    configMap: { name: NATS_CONFIG, mountPath: '/etc/nats' },
    podAnnotations: {
      'mesh-kit.dev/config-digest': brokerConfig.digest,
      // The server reads every broker user's password from its env once, at start.
      ...credentialsAnnotations(
        brokerUsers(catalog).map((u) => natsSecretName(u.user, catalog)),
        options.credentialDigests ?? {},
      ),
    },
    dataPath: '/data',
    extraPorts: [{ name: 'http-monitor', containerPort: 8222 }],
    readiness: { httpGet: { path: '/healthz?js-enabled-only=true', port: IntOrString.fromNumber(8222) }, periodSeconds: 5 },
    liveness: { httpGet: { path: '/healthz', port: IntOrString.fromNumber(8222) }, periodSeconds: 15, failureThreshold: 6 },
    sidecar,
    callers: [...brokerClients.map((s) => principal(namespace, s.name)), principal(namespace, BROKER_BOOTSTRAP)],
    egress: [collector],
  });
  const [stream, ...others] = catalog.streams;
  const publisher = catalog.services.find((s) => s.publishes.length > 0);
  if (others.length > 0) throw new Error('the broker bootstrap knows one stream family (ORDERS_TOPOLOGY), the catalog declares more');
  if (stream !== undefined && publisher !== undefined) {
    // The program ships in the publisher's image: no image of its own to build, pin and load.
    new BrokerBootstrap(scope, 'broker-bootstrap', {
      name: BROKER_BOOTSTRAP,
      namespace,
      version: catalog.version,
      image: `${options.imageRegistry}/${publisher.name}:${options.imageTags?.[publisher.name] ?? options.imageTag}`,
      entry: 'dist/bootstrap-streams.js',
      natsUrl: `nats://${serviceHost(nats.name, catalog)}:${nats.port}`,
      passwordSecret: natsSecretName(BROKER_BOOTSTRAP, catalog),
      limits: streamLimits(stream),
      egress: [`./${serviceHost(nats.name, catalog)}`, collector],
    });
  }
  new PostgresInit(scope, 'postgres-init', {
    name: POSTGRES_INIT,
    namespace,
    version: catalog.version,
    image: postgres.image,
    host: serviceHost(postgres.name, catalog),
    port: postgres.port,
    adminSecret: catalog.secrets.postgresAdmin,
    ...(options.credentialsRevision === undefined ? {} : { credentialsRevision: options.credentialsRevision }),
    databases: owners.map((s) => ({
      service: s.name,
      secret: databaseSecretName(s.name, catalog),
      ownerSecret: databaseOwnerSecretName(s.name, catalog),
      connectionLimit: runtimeConnectionLimit(s),
      statementTimeoutMs: catalog.runtimeRole.statementTimeoutMs,
    })),
    egress: [`./${serviceHost(postgres.name, catalog)}`, collector],
  });
}

/** A new App holding the shop, writing one YAML file per chart to `outdir` (when given). */
export function createShopApp(options: ShopOptions, outdir?: string): App {
  const app = new App({
    yamlOutputType: YamlOutputType.FILE_PER_CHART,
    ...(outdir === undefined ? {} : { outdir }),
  });
  addShopCharts(app, options);
  return app;
}
