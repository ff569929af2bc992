import { catalog, findService, type Catalog, type HttpMethod, type RouteSpec } from '../../cdk8s/src/catalog.js';

/** A route of a service as the catalog declares it, with the in-cluster URL to reach it. */
export interface DeclaredRoute extends RouteSpec {
  readonly service: string;
  readonly port: number;
  readonly url: string;
}

/** The catalog route `method path` of `service`; throws naming it when the catalog has no such route. */
export function declaredRoute(
  service: string,
  method: HttpMethod,
  path: string,
  source: Catalog = catalog,
): DeclaredRoute {
  const spec = findService(service, source);
  const route = spec.routes.find((r) => r.method === method && r.path === path);
  if (route === undefined) throw new Error(`catalog: ${service} declares no route ${method} ${path}`);
  return {
    ...route,
    service,
    port: spec.port,
    url: `http://${service}.${source.namespace}.svc.cluster.local:${spec.port}${path}`,
  };
}

/** Services whose pods must carry a sidecar: every service in the catalog. */
export function appNames(source: Catalog = catalog): string[] {
  return source.services.map((s) => s.name);
}

/** Whether `caller` declares a call to `callee` with `method` (on any path). */
export function declaresCall(caller: string, callee: string, method: HttpMethod, source: Catalog = catalog): boolean {
  return findService(caller, source).calls.some((c) => c.service === callee && c.methods.includes(method));
}

/** Whether `caller` declares any call to `callee`, i.e. whether its Sidecar egress lists the callee. */
export function inEgress(caller: string, callee: string, source: Catalog = catalog): boolean {
  return findService(caller, source).calls.some((c) => c.service === callee);
}

/** Services that consume a subject: the far side of the asynchronous hop. */
export function consumersOf(subject: string, source: Catalog = catalog): string[] {
  return source.services.filter((s) => s.consumes.includes(subject)).map((s) => s.name);
}

/**
 * How long the mesh may take at most to answer a call of `route`: its timeout, the limit the
 * route's tries together cannot exceed either. Used to bound the 504 check.
 */
export function worstCaseMs(route: RouteSpec): number {
  const tries = 1 + (route.retries?.attempts ?? 0);
  return Math.min(route.timeoutMs, tries * (route.retries?.perTryTimeoutMs ?? route.timeoutMs));
}

export { catalog };

/**
 * Limits the infra branch adds to the catalog (circuit breaking per service, the gateway's
 * rate limit and JWT settings). Read structurally so that verify builds against a catalog with
 * or without them, and falls back to the values the manifests used before they were declared.
 */
interface BreakerLimits {
  readonly maxConnections: number;
  readonly maxPendingRequests: number;
  readonly outlierDetection?: { readonly consecutive5xxErrors: number };
}

interface Bucket {
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
}

interface CatalogLimits {
  readonly defaults?: { readonly circuitBreaker?: BreakerLimits };
  readonly ingress?: {
    readonly namespace?: string;
    readonly service?: string;
    readonly port?: number;
    readonly jwt?: {
      readonly issuers?: readonly {
        readonly id: string;
        readonly issuer: string;
        readonly audiences: readonly string[];
      }[];
    };
    readonly rateLimit?: { readonly perClient?: Bucket; readonly anonymous?: Bucket };
  };
}

/** The service's circuit breaking, or the catalog default; throws naming the service when there is none. */
export function breakerLimits(service: string, source: Catalog = catalog): BreakerLimits {
  const spec = findService(service, source) as ReturnType<typeof findService> & {
    readonly circuitBreaker?: BreakerLimits;
  };
  const limits = spec.circuitBreaker ?? (source as Catalog & CatalogLimits).defaults?.circuitBreaker;
  if (limits === undefined) throw new Error(`the catalog declares no circuit breaking for ${service}`);
  return limits;
}

export interface IngressTarget {
  readonly namespace: string;
  /** The Service's name (not its DNS name). */
  readonly service: string;
  readonly port: number;
  /** The issuer and audience verify signs with: loadgen's, whose key is the one in the cluster. */
  readonly issuer: string;
  readonly audience: string;
  /** Token buckets per gateway pod (per verified client, and the anonymous one); undefined when not declared. */
  readonly rateLimit: { readonly perClient?: Bucket; readonly anonymous?: Bucket } | undefined;
}

export function ingress(source: Catalog = catalog): IngressTarget {
  const declared = (source as Catalog & CatalogLimits).ingress;
  const loadgen = declared?.jwt?.issuers?.find((i) => i.id === 'loadgen');
  return {
    namespace: declared?.namespace ?? 'istio-system',
    service: declared?.service?.split('.')[0] ?? 'istio-ingressgateway',
    port: declared?.port ?? 80,
    issuer: loadgen?.issuer ?? 'mesh-kit-loadgen',
    audience: loadgen?.audiences[0] ?? 'shop',
    rateLimit: declared?.rateLimit,
  };
}
