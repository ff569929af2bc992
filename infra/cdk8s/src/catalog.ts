/**
 * The single source of truth for the shop: every service, what it owns, whom it calls, what it
 * publishes and consumes, its public gateway routes and the resilience policy of each route.
 * Manifests, mesh policy, env wiring, the Helm chart, the local stack and the docs derive from it.
 * Adding a service = one folder under services/ + one entry here.
 */

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
  /** Omitted = no retries at all. */
  readonly retries?: RetryPolicy;
}

/** A synchronous dependency: the callee, and exactly which of its routes the caller may use. */
export interface CallSpec {
  readonly service: string;
  readonly methods: readonly HttpMethod[];
  readonly paths: readonly string[];
}

/** A public route at the ingress gateway: `/api/users/*` → users `/users/*`. */
export interface GatewayRoute {
  readonly prefix: string;
  readonly rewrite: string;
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
}

export interface Catalog {
  readonly namespace: string;
  readonly version: string;
  readonly services: readonly ServiceSpec[];
}

const small: Resources = { cpuRequestMilli: 50, cpuLimitMilli: 500, memoryRequestMi: 64, memoryLimitMi: 192 };

const readRoute = (path: string): RouteSpec => ({
  method: 'GET',
  path,
  idempotent: true,
  timeoutMs: 1_000,
  retries: { attempts: 2, perTryTimeoutMs: 400, retryOn: 'connect-failure,refused-stream,5xx' },
});

export const catalog: Catalog = {
  namespace: 'shop',
  version: 'v1',
  services: [
    {
      name: 'users',
      port: 3001,
      replicas: 2,
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
      resources: small,
      routes: [
        {
          // Keyed by orderKey: payments answers a repeat with the same authorization.
          method: 'POST',
          path: '/authorizations',
          idempotent: true,
          timeoutMs: 1_500,
          retries: { attempts: 2, perTryTimeoutMs: 500, retryOn: 'connect-failure,refused-stream,5xx' },
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
      resources: { ...small, memoryLimitMi: 256 },
      database: 'orders',
      routes: [
        {
          // Keyed by Idempotency-Key: a replay returns the original order.
          method: 'POST',
          path: '/orders',
          idempotent: true,
          timeoutMs: 5_000,
          retries: { attempts: 1, perTryTimeoutMs: 2_500, retryOn: 'connect-failure,refused-stream,5xx' },
        },
        readRoute('/orders'),
        readRoute('/orders/:id'),
      ],
      calls: [
        { service: 'users', methods: ['GET'], paths: ['/users/:id'] },
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
      resources: small,
      database: 'analytics',
      routes: [readRoute('/stats')],
      calls: [],
      publishes: [],
      consumes: ['orders.placed'],
      gateway: [{ prefix: '/api/stats', rewrite: '/stats' }],
    },
    {
      name: 'storefront',
      port: 3006,
      replicas: 2,
      resources: small,
      routes: [
        {
          ...readRoute('/overview'),
          timeoutMs: 2_500,
          retries: { attempts: 1, perTryTimeoutMs: 1_200, retryOn: 'connect-failure,refused-stream,5xx' },
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
    },
  ],
};

/** The env variable that carries the base URL of `service` (`users` → `USERS_URL`). */
export function serviceUrlVariable(service: string): string {
  return `${service.toUpperCase().replace(/-/g, '_')}_URL`;
}

/** Whether a service talks to NATS (publishes or consumes events). */
export function usesBroker(spec: ServiceSpec): boolean {
  return spec.publishes.length > 0 || spec.consumes.length > 0;
}

export function findService(name: string, source: Catalog = catalog): ServiceSpec {
  const spec = source.services.find((s) => s.name === name);
  if (spec === undefined) throw new Error(`catalog has no service named '${name}'`);
  return spec;
}
