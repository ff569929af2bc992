/**
 * The single source of truth for the shop: every service, what it owns, whom it calls, what it
 * publishes and consumes, its public gateway routes and the resilience policy of each route.
 * Manifests, mesh policy, env wiring, the Helm chart, the local stack and the docs derive from it.
 * Adding a service = one folder under services/ + one entry here.
 */

import type { FaultScenario, TrafficState, VersionSpec } from './traffic.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** How the mesh retries a route. Law 3: 5xx retries only on idempotent routes. */
export interface RetryPolicy {
  /** Total attempts after the first try fails (Istio's `attempts`). */
  readonly attempts: number;
  readonly perTryTimeoutMs: number;
  /** Envoy retry conditions, e.g. `connect-failure,refused-stream,5xx`. */
  readonly retryOn: string;
}

/** A route a service serves. */
export interface RouteSpec {
  readonly method: HttpMethod;
  /** Express-style path template (`/users/:id`); the mesh turns `:param` into a segment match. */
  readonly path: string;
  /** GET, or a POST keyed by Idempotency-Key: safe to retry on 5xx. */
  readonly idempotent: boolean;
  /** End-to-end timeout the sidecar enforces for this route (Istio has none by default). */
  readonly timeoutMs: number;
  /** Omitted = no retries at all (the VirtualService still says `attempts: 0`). */
  readonly retries?: RetryPolicy;
  /** The synchronous calls this route makes while serving a request (each must be among the service's `calls`). */
  readonly calls?: readonly RouteCall[];
  /**
   * How the service makes `calls`: one after another (a try must outlast the sum of the callees'
   * worst cases) or at once (the longest of them). Required with more than one call; read it
   * from the service's code.
   */
  readonly callOrder?: CallOrder;
  /**
   * Time for the route's own work on top of its callees' worst cases, in percent of them: each try
   * must last at least callees × (1 + margin / 100). @default the catalog's `defaults.ownWorkMarginPercent`
   */
  readonly ownWorkMarginPercent?: number;
}

export type CallOrder = 'sequential' | 'parallel';

/** One call a route makes to another service's route. */
export interface RouteCall {
  readonly service: string;
  readonly method: HttpMethod;
  readonly path: string;
}

/** Istio circuit breaking for a service's DestinationRule. */
export interface CircuitBreaker {
  /** Connection pool: TCP connections to the service from each caller's sidecar. */
  readonly maxConnections: number;
  /** Requests queued while waiting for a connection; beyond this the breaker answers 503 (flag `UO`). */
  readonly maxPendingRequests: number;
  /**
   * Retries outstanding at once to the service from each caller's sidecar
   * (`connectionPool.http.maxRetries`). Envoy uses it only where no retry budget is set.
   */
  readonly maxRetries: number;
  /**
   * Concurrent retries as a share of the active and pending requests of each caller's sidecar
   * (`trafficPolicy.retryBudget`), never below `minRetryConcurrency`: under a failure that every
   * try meets, retries stay a fraction of the traffic instead of multiplying it.
   */
  readonly retryBudget: { readonly percent: number; readonly minRetryConcurrency: number };
  /** Outlier detection: consecutive 5xx answers that eject an endpoint. Omitted = no outlier detection. */
  readonly outlierDetection?: {
    readonly consecutive5xxErrors: number;
    readonly intervalMs: number;
    readonly baseEjectionTimeMs: number;
    readonly maxEjectionPercent: number;
  };
}

/** A synchronous dependency: the callee, and exactly which of its routes the caller may use. */
export interface CallSpec {
  readonly service: string;
  readonly methods: readonly HttpMethod[];
  readonly paths: readonly string[];
}

/**
/**
 * How the ingress gateway authenticates a route: `jwt` needs a verified token from
 * `Authorization: Bearer` (the caller's identity reaches the service as the identity header);
 * `apiKey` needs an `x-api-key` the apikeys service checks through ext_authz, with `scopes`;
 * `public` needs none and forwards GET requests only; `signIn` is an identity provider's own paths
 * (its issuer names it as `service`): no credentials, GET and POST, since browsers post the sign-in
 * form and clients exchange codes there before they hold any token. The provider authenticates
 * those requests itself (password, PKCE, CSRF tokens).
 * `public` alone (besides `signIn`) may lie outside `ingress.jwt.protectedPrefix` (web's pages at `/`).
 */
export type GatewayAuth = 'jwt' | 'apiKey' | 'public' | 'signIn';

/**
 * A public route at the ingress gateway: `/api/users/*` → users `/users/*` (`prefix` = `rewrite`: no
 * rewrite). Every route but a `signIn` or `public` one lies under `ingress.jwt.protectedPrefix`.
 */
export interface GatewayRoute {
  readonly prefix: string;
  readonly rewrite: string;
  /** @default 'jwt' */
  readonly auth?: GatewayAuth;
  /** With `auth: 'apiKey'`: the scopes a key must carry, every one of them. */
  readonly scopes?: readonly string[];
}

/** A token issuer the gateway accepts (one RequestAuthentication jwtRule). */
export interface JwtIssuer {
  /** Names the issuer in values and files (`users` → Helm value `jwt.users.jwks`). */
  readonly id: string;
  /** The `iss` claim. */
  readonly issuer: string;
  /** Tokens must name one of these in `aud`. */
  readonly audiences: readonly string[];
  /**
   * Where the gateway fetches the issuer's public keys (a real identity provider's JWKS URL).
   * @default none: the JWKS is inline, from the synth input (`JWKS_FILE`…) or the Helm value
   */
  readonly jwksUri?: string;
  /**
   * The catalog service that issues these tokens (an identity provider in the shop): it gets the
   * issuer, the first audience and the private key (`<service>-jwt`, made by `make secrets`), and
   * only it may serve `signIn` routes. `issuer` is then the URL browsers reach it at.
   * @default none: tokens come from outside the shop
   */
  readonly service?: string;
  /**
   * The only subjects this issuer may act as (a `sub` prefix): the gateway denies its tokens for any
   * other `sub` (a DENY AuthorizationPolicy on requestPrincipals `<issuer>/*` and
   * notRequestPrincipals `<issuer>/<prefix>*`). For an issuer whose key lives in the cluster.
   * @default none: the issuer may name any subject (an identity provider outside the cluster)
   */
  readonly subjectPrefix?: string;
  /**
   * The longest a token of this issuer may still be valid for, in seconds: the gateway refuses (401)
   * a token without `exp` and one whose `exp` lies further ahead than this (GatewayTokenLifetime).
   * Set it to the lifetime the issuer gives its tokens.
   */
  readonly maxLifetimeSeconds: number;
}

/** A gateway token bucket: `maxTokens` at most, `tokensPerFill` added every `fillIntervalMs`. */
export interface TokenBucket {
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
}

export interface Resources {
  readonly cpuRequestMilli: number;
  readonly cpuLimitMilli: number;
  readonly memoryRequestMi: number;
  readonly memoryLimitMi: number;
}

export interface ServiceSpec {
  readonly name: string;
  /** The port the app listens on, in the pod and in the local stack. */
  readonly port: number;
  readonly replicas: number;
  readonly resources: Resources;
  /** The PostgreSQL database this service owns, if any. */
  readonly database?: string;
  readonly routes: readonly RouteSpec[];
  readonly calls: readonly CallSpec[];
  readonly publishes: readonly string[];
  readonly consumes: readonly string[];
  readonly gateway: readonly GatewayRoute[];
  /** Plain, non-secret settings for the container (the demo failure knob, rules). */
  readonly env?: Readonly<Record<string, string>>;
  /** Sends traffic into the mesh through the ingress gateway (loadgen), not to services directly. */
  readonly callsGateway?: boolean;
  /** @default the catalog's `defaults.circuitBreaker` */
  readonly circuitBreaker?: CircuitBreaker;
  /** Requests and limits of the istio-proxy sidecar. @default the catalog's `defaults.sidecar` */
  readonly sidecar?: Resources;
  /**
   * A second version run beside the first (`version: v2`, its own Deployment), for canary
   * releases and mirroring; `traffic.releases` says how much traffic it gets. @default none
   */
  readonly v2?: VersionSpec;
  /**
   * A HorizontalPodAutoscaler per Deployment: `minReplicas` replaces `replicas` (the Deployment
   * leaves its count to the autoscaler), the PodDisruptionBudget follows the minimum, and analyze
   * holds the minimum to the request budget and reports the maximum. A service without it must
   * say why in `fixedReplicasReason`. @default fixed `replicas`
   */
  readonly autoscaling?: Autoscaling;
  /**
   * Why the service keeps its fixed `replicas` instead of autoscaling (the catalog check refuses a
   * service with neither, and one with both). @default none: the service declares `autoscaling`
   */
  readonly fixedReplicasReason?: string;
}

/** CPU-based horizontal autoscaling of a service. */
export interface Autoscaling {
  readonly minReplicas: number;
  readonly maxReplicas: number;
  /** Average CPU use, in percent of the requests, that the autoscaler keeps the pods at. */
  readonly cpuTargetPercent: number;
}

/** A stateful backing service (PostgreSQL, NATS) run as a StatefulSet in the mesh. */
export interface BackingServiceSpec {
  readonly name: string;
  /** A published tag, never `latest`. */
  readonly image: string;
  readonly port: number;
  /** The port name Istio selects the protocol by (`tcp-postgres`, `tcp-nats`). */
  readonly portName: string;
  readonly resources: Resources;
  readonly storageGi: number;
}

/** The shared Istio ingress gateway the shop's public routes go through. */
export interface IngressSpec {
  readonly namespace: string;
  /** Pod labels of the gateway deployment (istio/gateway chart defaults). */
  readonly selector: Readonly<Record<string, string>>;
  readonly serviceAccount: string;
  /** In-cluster Service of the gateway (loadgen's GATEWAY_URL). */
  readonly service: string;
  readonly port: number;
  /**
   * HTTPS at the gateway: a server on `port` whose certificate and key come from the Secret
   * `credentialName` in the gateway's namespace (`make secrets` makes one for localhost on kind;
   * cert-manager or your own elsewhere: docs/operations.md). `httpsRedirect` makes the HTTP server
   * answer 301 to https (the synth input HTTPS_REDIRECT, which kind's deploy sets to false so the
   * port-forward keeps serving plain HTTP; Helm value `gateway.httpsRedirect`). HTTPS answers carry
   * `Strict-Transport-Security: max-age=<hstsMaxAgeSeconds>`.
   */
  readonly tls: {
    readonly port: number;
    readonly credentialName: string;
    readonly httpsRedirect: boolean;
    readonly hstsMaxAgeSeconds: number;
    /** The names `make secrets` puts in the local certificate (DNS names and IP addresses). */
    readonly localHosts: readonly string[];
  };
  readonly jwt: {
    /** Every issuer whose tokens the gateway accepts; the first is the one users' tokens come from. */
    readonly issuers: readonly JwtIssuer[];
    /** The RFC 6750 realm of the gateway's 401 challenge. */
    readonly realm: string;
    readonly identityHeader: string;
    /**
     * Every public route lives under this prefix (with its trailing slash). A request under it is
     * forwarded to a JWT route only with a verified token; without one the gateway answers 401
     * itself. API-key and public routes are matched before that 401 (their own `auth` decides).
     */
    readonly protectedPrefix: string;
  };
  /**
   * API keys for machine clients: the header they send, the mesh-wide ext_authz provider
   * (mesh/istio/istio-operator.yaml, meshConfig.extensionProviders) that asks `service` at
   * `pathPrefix` + the request's path, and the headers that service sets on allow.
   */
  readonly apiKeys: {
    readonly provider: string;
    readonly service: string;
    readonly pathPrefix: string;
    readonly keyHeader: string;
    readonly clientHeader: string;
    readonly scopesHeader: string;
  };
  /**
   * Local rate limits per gateway pod; beyond a bucket the gateway answers 429 problem+json.
   * `perClient`: one bucket per verified caller (token `sub`, API-key client), up to `maxClients`
   * buckets (least recently used evicted); `anonymous`: one bucket shared by requests without
   * verified credentials (a ceiling for the pod, well above one address's share).
   * `perAddress`: buckets per client address (the trusted one, `numTrustedProxies` in
   * mesh/istio/istio-operator.yaml), checked first in the chain, before ext_authz: `anonymous` for
   * requests with neither `Authorization` nor the API-key header, `apiKeyRoutes` for every request
   * to an API-key route; up to `maxAddresses` of each (least recently used evicted).
   */
  readonly rateLimit: {
    readonly perClient: TokenBucket;
    readonly anonymous: TokenBucket;
    readonly maxClients: number;
    readonly perAddress: {
      readonly anonymous: TokenBucket;
      readonly apiKeyRoutes: TokenBucket;
      readonly maxAddresses: number;
    };
  };
  /** Response headers the gateway strips before answering a client. */
  readonly scrubResponseHeaders: readonly string[];
}

/** What one JetStream stream may hold (its `max_bytes`, `max_msgs`, `max_msg_size`). */
export interface StreamLimitsSpec {
  readonly maxBytes: number;
  readonly maxMsgs: number;
  readonly maxMsgSize: number;
}

/**
 * A JetStream stream. The broker's bootstrap identity creates it and its dead-letter stream with
 * these limits; the service that publishes its subjects only checks that they exist, and consumers
 * only read through their own durable (named after the service).
 */
export interface StreamSpec {
  readonly name: string;
  readonly subjects: readonly string[];
  /** Where consumers park messages they gave up on, under `deadletter.<stream>.<durable>`. */
  readonly deadLetterStream: string;
  readonly limits: StreamLimitsSpec;
  readonly deadLetterLimits: StreamLimitsSpec;
}

/** Pods outside the shop's namespace, by namespace and labels. */
export interface PodsSpec {
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

/** Pods outside the namespace that the shop's pods reach, and on which ports. */
export interface PeerSpec extends PodsSpec {
  /** The pod ports (not Service ports) the traffic goes to; NetworkPolicy sees those. */
  readonly ports: readonly { readonly port: number; readonly protocol: 'TCP' | 'UDP' }[];
}

/** The platform's pods the shop's pods talk to or are reached by (NetworkPolicy peers). */
export interface NetworkSpec {
  /** Cluster DNS (kube-dns / CoreDNS). */
  readonly dns: PeerSpec;
  /** istiod: xDS and certificates for every sidecar. */
  readonly istiod: PeerSpec;
  /** The trace collector the sidecars and the event services send spans to. */
  readonly collector: PeerSpec;
  /** Pod ports of the ingress gateway that loadgen sends to (namespace and labels from `ingress`). */
  readonly ingressPorts: readonly number[];
  /** Prometheus, which scrapes every pod's merged metrics port. */
  readonly prometheus: PodsSpec;
  /** Istio's merged Prometheus port on every sidecar (app metrics plus Envoy's and the agent's). */
  readonly mergedMetricsPort: number;
}

/** The Secrets `make secrets` creates: the manifests, the scripts and verify name them from here. */
export interface SecretNames {
  /** The `postgres` superuser's password (key `password`). */
  readonly postgresAdmin: string;
  /**
   * Suffix of each service's runtime database Secret (`orders` → `orders-db`; keys username,
   * password, database, url): the DML-only role the service serves with.
   */
  readonly databaseSuffix: string;
  /**
   * Suffix of each database's owner Secret (`orders` → `orders-db-owner`; same keys): the role
   * that owns the database and runs the migrations.
   */
  readonly databaseOwnerSuffix: string;
  /** Suffix of each broker user's Secret (`orders` → `orders-nats`; keys username, password). */
  readonly brokerSuffix: string;
  /** Suffix of the Secret of a service that calls the gateway with its own tokens (`loadgen` → `loadgen-jwt`). */
  readonly jwtSignerSuffix: string;
  /** The key of that Secret holding the RS256 private key (PEM). */
  readonly jwtPrivateKey: string;
}

export interface Catalog {
  readonly namespace: string;
  readonly version: string;
  readonly services: readonly ServiceSpec[];
  readonly defaults: {
    readonly circuitBreaker: CircuitBreaker;
    readonly sidecar: Resources;
    /** SHUTDOWN_TIMEOUT_MS of every service; the grace period covers it plus the preStop pause. */
    readonly shutdownTimeoutMs: number;
    /**
     * NODE_OPTIONS of every service, in the pod and in the local stack. Without an old-space limit
     * V8 lets garbage pile up under sustained load: 190–281 MiB RSS after 30 s of reads, above the
     * pods' memory limits; with these settings it stays near 125 MiB for 12–25 % more CPU per
     * request (docs/benchmarks.md#heap-settings, `npm run bench` prints the comparison).
     */
    readonly nodeOptions: string;
    /** A route's `ownWorkMarginPercent` where it names none. */
    readonly ownWorkMarginPercent: number;
  };
  /** Bound on worst-case attempts reaching the deepest service of a call path (analyze fails above it). */
  readonly maxRetryAmplification: number;
  /** The namespace's total requests, app containers and sidecars together (analyze fails above it). */
  readonly requestBudget: { readonly cpuMilli: number; readonly memoryMi: number };
  readonly ingress: IngressSpec;
  readonly secrets: SecretNames;
  readonly postgres: BackingServiceSpec;
  /** What each service's runtime role may do beyond DML on its own database's tables. */
  readonly runtimeRole: {
    /** PostgreSQL cancels a statement of the role after this long (`statement_timeout`). */
    readonly statementTimeoutMs: number;
  };
  readonly nats: BackingServiceSpec;
  /** The JetStream streams behind the services' `publishes` and `consumes`. */
  readonly streams: readonly StreamSpec[];
  readonly network: NetworkSpec;
  /** Names of the mesh-wide providers (meshConfig.extensionProviders) the Telemetry resource selects. */
  readonly telemetry: {
    readonly tracingProvider: string;
    readonly samplingPercent: number;
    readonly accessLogProvider: string;
    /** `<namespace>/<host>` of the trace collector: every Sidecar's egress lists it. */
    readonly collectorHost: string;
    /**
     * Where services that publish or consume events send their own spans (the async hop the
     * sidecars cannot see), as OTEL_EXPORTER_ZIPKIN_ENDPOINT. Same collector as the proxies.
     */
    readonly spanCollectorUrl: string;
  };
  /** Named fault scenarios (`make chaos SCENARIO=<name>`), each with the outcome the mesh should produce. @default none */
  readonly scenarios?: readonly FaultScenario[];
  /**
   * Releases, mirrors and the scenario switched on, as a fresh clone deploys them. The file
   * `make canary`/`chaos`/`mirror` write (.traffic.json) replaces it. @default nothing on
   */
  readonly traffic?: TrafficState;
}

const autoscaled: Autoscaling = { minReplicas: 2, maxReplicas: 4, cpuTargetPercent: 70 };
/** For services that keep one pod at rest (the request budget) and still scale out under load. */
const scaledFromOne: Autoscaling = { minReplicas: 1, maxReplicas: 3, cpuTargetPercent: 70 };

const small: Resources = { cpuRequestMilli: 50, cpuLimitMilli: 500, memoryRequestMi: 64, memoryLimitMi: 192 };

/** A POST of the identity provider's that does work once (a password check, a code exchanged). */
const signInRoute = (path: string): RouteSpec => ({
  method: 'POST',
  path,
  idempotent: false,
  timeoutMs: 3_000,
  retries: { attempts: 1, perTryTimeoutMs: 1_500, retryOn: 'connect-failure,refused-stream' },
});

const readRoute = (path: string): RouteSpec => ({
  method: 'GET',
  path,
  idempotent: true,
  timeoutMs: 900,
  retries: { attempts: 2, perTryTimeoutMs: 300, retryOn: 'connect-failure,refused-stream,5xx' },
});

/** Outlier detection for every service; the payments-replica-down scenario states its outcome from it. */
const outlier = { consecutive5xxErrors: 5, intervalMs: 10_000, baseEjectionTimeMs: 30_000, maxEjectionPercent: 50 };

const defaultCircuitBreaker: CircuitBreaker = {
  maxConnections: 64,
  maxPendingRequests: 32,
  maxRetries: 8,
  retryBudget: { percent: 20, minRetryConcurrency: 3 },
  outlierDetection: outlier,
};

export const catalog: Catalog = {
  namespace: 'shop',
  version: 'v1',
  services: [
    {
      name: 'users',
      port: 3001,
      replicas: 2,
      autoscaling: autoscaled,
      resources: small,
      database: 'users',
      routes: [
        {
          method: 'POST',
          path: '/users',
          idempotent: false,
          timeoutMs: 2_000,
          retries: { attempts: 1, perTryTimeoutMs: 1_000, retryOn: 'connect-failure,refused-stream' },
        },
        readRoute('/users/:id'),
      ],
      calls: [],
      publishes: [],
      consumes: [],
      gateway: [{ prefix: '/api/users', rewrite: '/users' }],
    },
    {
      name: 'payments',
      port: 3002,
      replicas: 2,
      autoscaling: autoscaled,
      resources: small,
      // One authorization per order id (a repeat answers it, other terms are a 409) and the
      // per-user velocity limit's window.
      database: 'payments',
      routes: [
        {
          // Keyed by orderKey (the order's id): payments answers a repeat with the same authorization.
          method: 'POST',
          path: '/authorizations',
          idempotent: true,
          timeoutMs: 1_000,
          retries: { attempts: 1, perTryTimeoutMs: 500, retryOn: 'connect-failure,refused-stream,5xx' },
        },
      ],
      calls: [],
      publishes: [],
      consumes: [],
      gateway: [],
      env: { PAYMENTS_FAILURE_RATE: '0', PAYMENTS_ADDED_LATENCY_MS: '0', PAYMENTS_DECLINE_ABOVE_CENTS: '100000' },
    },
    {
      name: 'orders',
      port: 3003,
      replicas: 2,
      autoscaling: autoscaled,
      resources: { ...small, memoryLimitMi: 256 },
      database: 'orders',
      routes: [
        {
          // Keyed by Idempotency-Key: a replay returns the original order.
          method: 'POST',
          path: '/orders',
          idempotent: true,
          timeoutMs: 7_000,
          retries: { attempts: 1, perTryTimeoutMs: 3_500, retryOn: 'connect-failure,refused-stream,5xx' },
          // services/orders/src/placement.ts asks users and products (one batched lookup) at once, then
          // payments; 'sequential' adds all three, which errs on the long side.
          callOrder: 'sequential',
          calls: [
            { service: 'users', method: 'GET', path: '/users/:id' },
            { service: 'products', method: 'GET', path: '/internal/products' },
            { service: 'payments', method: 'POST', path: '/authorizations' },
          ],
        },
        readRoute('/orders'),
        readRoute('/orders/:id'),
      ],
      calls: [
        { service: 'users', methods: ['GET'], paths: ['/users/:id'] },
        { service: 'products', methods: ['GET'], paths: ['/internal/products'] },
        { service: 'payments', methods: ['POST'], paths: ['/authorizations'] },
      ],
      publishes: ['orders.placed'],
      consumes: [],
      gateway: [{ prefix: '/api/orders', rewrite: '/orders' }],
    },
    {
      name: 'notifications',
      port: 3004,
      replicas: 1,
      // Its pods share one durable consumer: JetStream hands each message to one of them.
      autoscaling: scaledFromOne,
      resources: small,
      database: 'notifications',
      routes: [readRoute('/notifications')],
      calls: [],
      publishes: [],
      consumes: ['orders.placed'],
      gateway: [{ prefix: '/api/notifications', rewrite: '/notifications' }],
    },
    {
      name: 'analytics',
      port: 3005,
      replicas: 1,
      // Its pods share one durable consumer: JetStream hands each message to one of them.
      autoscaling: scaledFromOne,
      resources: small,
      database: 'analytics',
      routes: [readRoute('/stats')],
      calls: [],
      publishes: [],
      consumes: ['orders.placed'],
      // Back-office and partner clients, not users: an API key with stats:read (make apikey).
      gateway: [{ prefix: '/api/stats', rewrite: '/stats', auth: 'apiKey', scopes: ['stats:read'] }],
    },
    {
      name: 'storefront',
      port: 3006,
      replicas: 2,
      autoscaling: autoscaled,
      resources: small,
      routes: [
        {
          ...readRoute('/overview'),
          timeoutMs: 2_500,
          retries: { attempts: 1, perTryTimeoutMs: 1_200, retryOn: 'connect-failure,refused-stream,5xx' },
          // services/storefront/src/overview.ts asks all three at once (Promise.all).
          callOrder: 'parallel',
          calls: [
            { service: 'users', method: 'GET', path: '/users/:id' },
            { service: 'orders', method: 'GET', path: '/orders' },
            { service: 'notifications', method: 'GET', path: '/notifications' },
          ],
        },
      ],
      calls: [
        { service: 'users', methods: ['GET'], paths: ['/users/:id'] },
        { service: 'orders', methods: ['GET'], paths: ['/orders'] },
        { service: 'notifications', methods: ['GET'], paths: ['/notifications'] },
      ],
      publishes: [],
      consumes: [],
      gateway: [{ prefix: '/api/overview', rewrite: '/overview' }],
      // Same image; v2's overviews say `"release": "v2"`, so a split shows in the answers too.
      v2: { env: { OVERVIEW_RELEASE: 'v2' } },
    },
    {
      name: 'products',
      port: 3008,
      // One replica at rest keeps the namespace within its request budget (analyze); orders' retries
      // of the idempotent lookup cover a restart, not a lost node.
      replicas: 1,
      autoscaling: scaledFromOne,
      resources: small,
      database: 'products',
      // GET /products is the paginated list; GET /internal/products?sku=… is the batched lookup
      // orders prices with, outside the gateway's rewrite (/api/products → /products) and admitted
      // to orders alone (docs/security.md, "Products and prices").
      routes: [readRoute('/products'), readRoute('/products/:sku'), readRoute('/internal/products')],
      calls: [],
      publishes: [],
      consumes: [],
      // Browsing needs no account.
      gateway: [{ prefix: '/api/products', rewrite: '/products', auth: 'public' }],
    },
    {
      // Answers the ingress gateway's ext_authz checks on API-key routes (ingress.apiKeys); its
      // callers are the gateway, on the check paths, derived from the API-key routes.
      name: 'apikeys',
      port: 3009,
      // One replica at rest keeps the namespace within its request budget; a check it cannot answer
      // fails the API-key route (closed), never another route.
      replicas: 1,
      autoscaling: scaledFromOne,
      resources: small,
      database: 'apikeys',
      routes: [],
      calls: [],
      publishes: [],
      consumes: [],
      gateway: [],
    },
    {
      name: 'loadgen',
      port: 3007,
      replicas: 1,
      resources: { cpuRequestMilli: 20, cpuLimitMilli: 200, memoryRequestMi: 48, memoryLimitMi: 128 },
      routes: [],
      calls: [],
      publishes: [],
      consumes: [],
      gateway: [],
      callsGateway: true,
      env: { LOADGEN_RATE_PER_SECOND: '1' },
      fixedReplicasReason:
        'each pod sends LOADGEN_RATE_PER_SECOND on its own: more pods would multiply the demo traffic, not share it',
    },
    {
      // The shop's OpenID provider (ingress.jwt.issuers, id identity): browsers sign in at /auth and
      // the shop's web client exchanges codes there. oidc-provider's paths (discovery, JWKS,
      // authorization, token, end session, revocation, userinfo) plus identity's sign-in pages.
      name: 'identity',
      port: 3010,
      replicas: 2,
      autoscaling: autoscaled,
      resources: small,
      database: 'identity',
      routes: [
        readRoute('/auth/.well-known/openid-configuration'),
        readRoute('/auth/jwks'),
        readRoute('/auth/auth'),
        readRoute('/auth/auth/:uid'),
        readRoute('/auth/interaction/:uid'),
        readRoute('/auth/interaction/:uid/sign-up'),
        readRoute('/auth/session/end'),
        readRoute('/auth/session/end/success'),
        readRoute('/auth/me'),
        // Each hashes a password (scrypt) or consumes a code or token: once only, never retried on 5xx.
        signInRoute('/auth/interaction/:uid/sign-in'),
        signInRoute('/auth/interaction/:uid/sign-up'),
        signInRoute('/auth/token'),
        signInRoute('/auth/token/revocation'),
        signInRoute('/auth/session/end/confirm'),
      ],
      calls: [],
      publishes: [],
      consumes: [],
      gateway: [{ prefix: '/auth', rewrite: '/auth', auth: 'signIn' }],
    },
    {
      // The browser shop: the built single-page app and the client routes it renders itself. Every
      // path is a public GET outside /api/ (the app calls the API from the browser with the user's token).
      name: 'web',
      port: 3011,
      replicas: 1,
      autoscaling: { minReplicas: 1, maxReplicas: 3, cpuTargetPercent: 70 },
      resources: { cpuRequestMilli: 20, cpuLimitMilli: 200, memoryRequestMi: 48, memoryLimitMi: 128 },
      routes: [
        '/',
        '/config.json',
        '/favicon.svg',
        '/assets/:file',
        '/products/:sku',
        '/cart',
        '/checkout',
        '/orders',
        '/orders/:id',
        '/notifications',
        '/account',
        '/callback',
      ].map(readRoute),
      calls: [],
      publishes: [],
      consumes: [],
      gateway: [{ prefix: '/', rewrite: '/', auth: 'public' }],
      env: {
        WEB_OIDC_ISSUER: 'http://localhost:8080/auth',
        WEB_OIDC_CLIENT_ID: 'shop-web',
        WEB_JAEGER_URL: 'http://localhost:16686/jaeger',
      },
    },
  ],
  defaults: {
    circuitBreaker: defaultCircuitBreaker,
    sidecar: { cpuRequestMilli: 10, cpuLimitMilli: 500, memoryRequestMi: 40, memoryLimitMi: 128 },
    shutdownTimeoutMs: 10_000,
    nodeOptions: '--max-semi-space-size=8 --max-old-space-size=64',
    ownWorkMarginPercent: 20,
  },
  maxRetryAmplification: 6,
  // Room for one more small service beside the shop (docs/architecture.md's "A catalog entry") or a
  // canary's v2 (`make canary`), with identity's two pods and web's one counted in.
  requestBudget: { cpuMilli: 1_200, memoryMi: 2_100 },
  ingress: {
    namespace: 'istio-system',
    selector: { istio: 'ingressgateway' },
    serviceAccount: 'istio-ingressgateway-service-account',
    service: 'istio-ingressgateway.istio-system.svc.cluster.local',
    port: 80,
    tls: {
      port: 443,
      credentialName: 'mesh-kit-gateway-tls',
      httpsRedirect: true,
      hstsMaxAgeSeconds: 31_536_000,
      localHosts: ['localhost', '127.0.0.1'],
    },
    jwt: {
      issuers: [
        // Users' tokens. Locally `make token` signs them with a key that stays in .secrets/; a real
        // deployment puts its identity provider here (issuer, audiences, jwksUri).
        { id: 'users', issuer: 'mesh-kit', audiences: ['shop'], maxLifetimeSeconds: 3_600 },
        // loadgen's own key pair, the only signing key inside the cluster: whoever reads its Secret
        // may act only as loadgen's own users (packages/catalog/src/token-signer.ts signs no others).
        {
          id: 'loadgen',
          issuer: 'mesh-kit-loadgen',
          audiences: ['shop'],
          subjectPrefix: 'loadgen-',
          maxLifetimeSeconds: 600,
        },
        // The shop's own OpenID provider: the issuer is the URL browsers reach it at (the port-forward
        // on kind); another cluster sets its own. Its key pair is made by `make secrets`.
        {
          id: 'identity',
          issuer: 'http://localhost:8080/auth',
          audiences: ['shop'],
          service: 'identity',
          maxLifetimeSeconds: 900,
        },
      ],
      realm: 'shop',
      identityHeader: 'x-user-id',
      protectedPrefix: '/api/',
    },
    apiKeys: {
      provider: 'apikeys',
      service: 'apikeys',
      pathPrefix: '/check',
      keyHeader: 'x-api-key',
      clientHeader: 'x-client-id',
      scopesHeader: 'x-client-scopes',
    },
    rateLimit: {
      perClient: { maxTokens: 40, tokensPerFill: 20, fillIntervalMs: 1_000 },
      anonymous: { maxTokens: 1_000, tokensPerFill: 500, fillIntervalMs: 1_000 },
      maxClients: 10_000,
      perAddress: {
        // A browser's first visit is ~20 requests without credentials (the page, its assets, the
        // provider's pages and token call), and people behind one NAT share an address.
        anonymous: { maxTokens: 100, tokensPerFill: 50, fillIntervalMs: 1_000 },
        apiKeyRoutes: { maxTokens: 20, tokensPerFill: 10, fillIntervalMs: 1_000 },
        maxAddresses: 10_000,
      },
    },
    scrubResponseHeaders: ['x-envoy-upstream-service-time', 'x-powered-by'],
  },
  secrets: {
    postgresAdmin: 'postgres-admin',
    databaseSuffix: '-db',
    databaseOwnerSuffix: '-db-owner',
    brokerSuffix: '-nats',
    jwtSignerSuffix: '-jwt',
    jwtPrivateKey: 'private.pem',
  },
  postgres: {
    name: 'postgres',
    image: 'postgres:17-alpine',
    port: 5432,
    portName: 'tcp-postgres',
    resources: { cpuRequestMilli: 100, cpuLimitMilli: 1_000, memoryRequestMi: 128, memoryLimitMi: 384 },
    storageGi: 1,
  },
  // Longer than any statement the services run, shorter than the routes' timeouts (up to 7 s):
  // a runaway query is cancelled instead of holding a connection and its locks.
  runtimeRole: { statementTimeoutMs: 2_000 },
  nats: {
    name: 'nats',
    image: 'nats:2.12-alpine',
    port: 4222,
    portName: 'tcp-nats',
    resources: { cpuRequestMilli: 50, cpuLimitMilli: 500, memoryRequestMi: 64, memoryLimitMi: 256 },
    storageGi: 1,
  },
  streams: [
    {
      name: 'ORDERS',
      subjects: ['orders.>'],
      deadLetterStream: 'ORDERS_DLQ',
      // Together well inside the broker's volume (catalog-check.ts); an order event is a few KiB at most, and a
      // parked copy is the event plus headers, so the dead-letter stream takes larger messages.
      limits: { maxBytes: 256 * 1024 * 1024, maxMsgs: 1_000_000, maxMsgSize: 64 * 1024 },
      deadLetterLimits: { maxBytes: 64 * 1024 * 1024, maxMsgs: 100_000, maxMsgSize: 80 * 1024 },
    },
  ],
  network: {
    dns: {
      namespace: 'kube-system',
      podLabels: { 'k8s-app': 'kube-dns' },
      ports: [
        { port: 53, protocol: 'UDP' },
        { port: 53, protocol: 'TCP' },
      ],
    },
    istiod: { namespace: 'istio-system', podLabels: { app: 'istiod' }, ports: [{ port: 15012, protocol: 'TCP' }] },
    collector: { namespace: 'istio-system', podLabels: { app: 'jaeger' }, ports: [{ port: 9411, protocol: 'TCP' }] },
    ingressPorts: [8080],
    prometheus: {
      namespace: 'istio-system',
      podLabels: { 'app.kubernetes.io/name': 'prometheus', 'app.kubernetes.io/component': 'server' },
    },
    mergedMetricsPort: 15020,
  },
  telemetry: {
    tracingProvider: 'zipkin',
    samplingPercent: 100,
    accessLogProvider: 'envoy',
    collectorHost: 'istio-system/zipkin.istio-system.svc.cluster.local',
    spanCollectorUrl: 'http://zipkin.istio-system.svc.cluster.local:9411/api/v2/spans',
  },
  scenarios: [
    {
      name: 'payments-flaky',
      description:
        'payments answers 503 to 30 % of authorizations (its failure knob); the retries of orders → payments and gateway → orders absorb them',
      mechanism: { kind: 'env', service: 'payments', env: { PAYMENTS_FAILURE_RATE: '0.3' } },
      outcome: { kind: 'success-rate', method: 'POST', path: '/api/orders', minPercent: 97 },
    },
    {
      name: 'payments-replica-down',
      description: `one extra payments replica (payments-faulty) fails every authorization; each caller's proxy ejects it after ${outlier.consecutive5xxErrors} consecutive 5xx, within one ${outlier.intervalMs / 1000} s interval, for at least ${outlier.baseEjectionTimeMs / 1000} s, and the retries absorb the failures it answered before`,
      mechanism: { kind: 'faulty-replica', service: 'payments', env: { PAYMENTS_FAILURE_RATE: '1' } },
      outcome: { kind: 'ejection', method: 'POST', path: '/api/orders', minPercent: 99 },
    },
    {
      name: 'users-down',
      description:
        "storefront's calls to users are aborted with 503 (a fault on the users hop); the overview still answers, naming the user part missing",
      mechanism: { kind: 'fault', service: 'users', percent: 100, abortStatus: 503 },
      outcome: { kind: 'partial-answer', path: '/api/overview', part: 'user', withinMs: 2_500 },
    },
    {
      name: 'users-slow',
      description:
        "calls to users are delayed 3 s (a fault on the users hop, which Istio leaves without timeout); the gateway's 2.5 s timeout on /api/overview answers 504 in time",
      mechanism: { kind: 'fault', service: 'users', percent: 100, delayMs: 3_000 },
      outcome: { kind: 'timeout', path: '/api/overview', status: 504, withinMs: 2_500 },
    },
  ],
};

/** The env variable that carries the base URL of `service` (`users` → `USERS_URL`). */
export function serviceUrlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** The Secret holding a service's database credentials (created by `make secrets`). */
export function databaseSecretName(service: string, source: Catalog = catalog): string {
  return `${service}${source.secrets.databaseSuffix}`;
}

/** The Secret of the role that owns a service's database and runs its migrations. */
export function databaseOwnerSecretName(service: string, source: Catalog = catalog): string {
  return `${service}${source.secrets.databaseOwnerSuffix}`;
}

/** The owner role of a service's database (the runtime role is named after the service). */
export const databaseOwnerRole = (service: string): string => `${service}_owner`;

/**
 * The `CONNECTION LIMIT` of a service's runtime role: every pod the autoscaler may run, plus one
 * surging during a rollout, each with its request pool (`DATABASE_POOL_MAX`, default 10), the
 * readiness probe's connection and orders' two relay connections.
 */
export function runtimeConnectionLimit(spec: ServiceSpec): number {
  const pods = (spec.autoscaling?.maxReplicas ?? spec.replicas) + 1;
  return pods * (Number(spec.env?.['DATABASE_POOL_MAX'] ?? '10') + 3);
}

/** The Secret holding a service's broker credentials (created by `make secrets`; keys username, password). */
export function natsSecretName(service: string, source: Catalog = catalog): string {
  return `${service}${source.secrets.brokerSuffix}`;
}

/** The Secret holding the private key a gateway caller signs its JWTs with. */
export function jwtSecretName(service: string, source: Catalog = catalog): string {
  return `${service}${source.secrets.jwtSignerSuffix}`;
}

/** The service that signs its own gateway tokens (`callsGateway`): its Secret holds the key that verify signs with too (users' tokens come from another issuer). */
export function gatewayTokenSigner(source: Catalog = catalog): string {
  const signers = source.services.filter((s) => s.callsGateway === true).map((s) => s.name);
  if (signers.length !== 1) {
    throw new Error(
      `the catalog must declare exactly one service with callsGateway, found: ${signers.join(', ') || 'none'}`,
    );
  }
  return signers[0]!;
}

/** Whether a service talks to NATS (publishes or consumes events). */
export function usesBroker(spec: ServiceSpec): boolean {
  return spec.publishes.length > 0 || spec.consumes.length > 0;
}

/** The stream that stores `subject` (a subject of the catalog's `publishes`/`consumes`). */
export function streamOf(subject: string, source: Catalog = catalog): StreamSpec {
  const stream = source.streams.find((s) => s.subjects.some((pattern) => subjectMatches(pattern, subject)));
  if (stream === undefined) throw new Error(`catalog has no stream storing subject '${subject}'`);
  return stream;
}

/** NATS subject matching: `*` is one token, a trailing `>` one or more. */
export function subjectMatches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i += 1) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

/** The circuit breaker of a service, the catalog's default where it names none. */
export function circuitBreakerOf(spec: ServiceSpec, source: Catalog = catalog): CircuitBreaker {
  return spec.circuitBreaker ?? source.defaults.circuitBreaker;
}

/** The sidecar resources of a service, the catalog's default where it names none. */
export function sidecarOf(spec: ServiceSpec, source: Catalog = catalog): Resources {
  return spec.sidecar ?? source.defaults.sidecar;
}

/** The gateway's authentication of a public route. */
export function gatewayAuthOf(route: GatewayRoute): GatewayAuth {
  return route.auth ?? 'jwt';
}

/** A public route that takes an API key: method, public path template, and the scopes it needs. */
export interface ApiKeyRoute {
  readonly service: string;
  readonly method: HttpMethod;
  readonly path: string;
  readonly scopes: readonly string[];
}

/** Every public route the catalog marks `auth: 'apiKey'`, with its public path (`/api/stats`). */
export function apiKeyRoutes(source: Catalog = catalog): ApiKeyRoute[] {
  const routes: ApiKeyRoute[] = [];
  for (const spec of source.services) {
    for (const g of spec.gateway) {
      if (gatewayAuthOf(g) !== 'apiKey') continue;
      for (const r of spec.routes) {
        if (r.path !== g.rewrite && !r.path.startsWith(`${g.rewrite.replace(/\/$/, '')}/`)) continue;
        routes.push({
          service: spec.name,
          method: r.method,
          path: g.prefix + r.path.slice(g.rewrite.length),
          scopes: [...(g.scopes ?? [])],
        });
      }
    }
  }
  return routes;
}

/** The database the API-key service owns (where `make apikey` and verify write keys). */
export function apiKeysDatabase(source: Catalog = catalog): string {
  const database = source.services.find((s) => s.name === source.ingress.apiKeys.service)?.database;
  if (database === undefined) throw new Error(`catalog: ${source.ingress.apiKeys.service} owns no database`);
  return database;
}

/** psql as the superuser inside the PostgreSQL pod, over its local socket, on `database`. */
export function superuserPsql(database: string): string[] {
  return ['psql', '-qAt', '-v', 'ON_ERROR_STOP=1', '-U', 'postgres', '-d', database];
}

/**
 * What the ext_authz service needs to decide a check (its EXT_AUTHZ_SETTINGS, JSON): the provider's path
 * prefix, the header names, and every API-key route with its scopes.
 */
export function apiKeyCheckSettings(source: Catalog = catalog): string {
  const { pathPrefix, keyHeader, clientHeader, scopesHeader } = source.ingress.apiKeys;
  return JSON.stringify({
    pathPrefix,
    keyHeader,
    clientHeader,
    scopesHeader,
    routes: apiKeyRoutes(source).map(({ method, path, scopes }) => ({ method, path, scopes })),
  });
}

export function findService(name: string, source: Catalog = catalog): ServiceSpec {
  const spec = source.services.find((s) => s.name === name);
  if (spec === undefined) throw new Error(`catalog has no service named '${name}'`);
  return spec;
}
