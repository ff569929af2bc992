import {
  catalog,
  circuitBreakerOf,
  findService,
  gatewayTokenSigner,
  type Catalog,
  type CircuitBreaker,
  type HttpMethod,
  type IngressSpec,
  type RouteSpec,
} from '@mesh-kit/catalog';

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

/** The service's circuit breaking, or the catalog default. */
export function breakerLimits(service: string, source: Catalog = catalog): CircuitBreaker {
  return circuitBreakerOf(findService(service, source), source);
}

export interface IngressTarget {
  readonly namespace: string;
  /** The Service's name (not its DNS name). */
  readonly service: string;
  readonly port: number;
  /** The issuer and audience verify signs with: loadgen's, whose key is the one in the cluster. */
  readonly issuer: string;
  readonly audience: string;
  /** The prefix every subject of that issuer must carry (the gateway denies any other). */
  readonly subjectPrefix: string | undefined;
  /** Token bucket per gateway pod. */
  readonly rateLimit: IngressSpec['rateLimit'];
}

/** The ingress gateway as the catalog declares it. */
export function ingress(source: Catalog = catalog): IngressTarget {
  const declared = source.ingress;
  const signer = gatewayTokenSigner(source);
  const own = declared.jwt.issuers.find((i) => i.id === signer);
  if (own === undefined) throw new Error(`ingress.jwt.issuers has no issuer with id '${signer}'`);
  return {
    namespace: declared.namespace,
    service: declared.service.split('.')[0] ?? declared.service,
    port: declared.port,
    issuer: own.issuer,
    audience: own.audiences[0] ?? '',
    subjectPrefix: own.subjectPrefix,
    rateLimit: declared.rateLimit,
  };
}
