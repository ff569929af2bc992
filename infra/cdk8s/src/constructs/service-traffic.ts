import { Construct } from 'constructs';
import type { CallOrder, CircuitBreaker, RouteSpec } from '@mesh-kit/catalog';
import { DestinationRule, VirtualService } from '../../imports/networking.istio.io.js';
import { ANNOTATION, duration, pathRegex, routeName } from '../mesh-names.js';
import { type ServiceRouting, versionedRoutes } from '../traffic-plan.js';

export interface ServiceTrafficProps {
  readonly name: string;
  readonly namespace: string;
  /** The Service's cluster-local host. */
  readonly host: string;
  readonly port: number;
  readonly routes: readonly RouteSpec[];
  readonly circuitBreaker: CircuitBreaker;
  /** The margin for a route's own work where the route names none (the catalog's default). */
  readonly ownWorkMarginPercent: number;
  /**
   * Versions, release stage, mirror and fault (traffic-plan.ts): subsets for the deployed versions,
   * a header route and a weighted split during a canary.
   * @default one version, every route straight to the host
   */
  readonly routing?: ServiceRouting;
}

/**
 * What analyze reads back from a VirtualService: per route, whether it is idempotent, whom it
 * calls, in which order, and the margin its tries keep for its own work.
 */
export interface RouteAnnotation {
  readonly name: string;
  readonly method: string;
  readonly path: string;
  readonly idempotent: boolean;
  readonly calls: readonly string[];
  /** Present when the route makes calls. */
  readonly callOrder?: CallOrder;
  /** Present when the route makes calls. */
  readonly ownWorkMarginPercent?: number;
}

/** The call order and own-work margin of a route that makes calls, for its annotation. */
export function callTiming(
  r: RouteSpec,
  defaultMarginPercent: number,
): { callOrder?: CallOrder; ownWorkMarginPercent?: number } {
  if ((r.calls ?? []).length === 0) return {};
  return {
    // A single call has no order; sequential is the conservative reading of an undeclared one.
    callOrder: r.callOrder ?? 'sequential',
    ownWorkMarginPercent: r.ownWorkMarginPercent ?? defaultMarginPercent,
  };
}

/**
 * A route's timeout and explicit retry policy as VirtualService fields: `attempts: 0` when the
 * catalog names no retries, since Istio's default would re-send POSTs. A bad catalog may lack a
 * timeout; analyze reports that rather than synth hiding it.
 */
export function routePolicy(r: RouteSpec): {
  timeout?: string;
  retries: { attempts: number; perTryTimeout?: string; retryOn?: string };
} {
  return {
    ...(r.timeoutMs === undefined ? {} : { timeout: duration(r.timeoutMs) }),
    retries:
      r.retries === undefined
        ? { attempts: 0 }
        : {
            attempts: r.retries.attempts,
            perTryTimeout: duration(r.retries.perTryTimeoutMs),
            retryOn: r.retries.retryOn,
          },
  };
}

/** The route key used in call paths and annotations: `GET users /users/:id`. */
export function routeKey(method: string, service: string, path: string): string {
  return `${method} ${service} ${path}`;
}

/**
 * The client-side policy every caller's sidecar applies to one service: a VirtualService with a
 * timeout and an explicit retry policy on every route (Istio's default retries re-send POSTs), and a
 * DestinationRule with a connection pool, a retry budget and outlier detection.
 */
export class ServiceTraffic extends Construct {
  constructor(scope: Construct, id: string, props: ServiceTrafficProps) {
    super(scope, id);
    const { name, namespace, host, port } = props;
    const routing = props.routing;
    const http = props.routes.flatMap((r) =>
      routing === undefined
        ? [{ ...routeBase(r), route: [{ destination: { host, port: { number: port } } }] }]
        : versionedRoutes(routeBase(r), host, port, routing, routing.fault),
    );
    // Every forwarding route is annotated (a canary's header route too), so analyze checks each.
    const annotation: RouteAnnotation[] = http.map((h) => {
      const r = props.routes.find(
        (x) => h.name === routeName(x.method, x.path) || h.name === `${routeName(x.method, x.path)}-canary`,
      )!;
      return {
        name: h.name,
        method: r.method,
        path: r.path,
        idempotent: r.idempotent,
        calls: (r.calls ?? []).map((c) => routeKey(c.method, c.service, c.path)),
        ...callTiming(r, props.ownWorkMarginPercent),
      };
    });
    new VirtualService(this, 'virtual-service', {
      metadata: { name, namespace, annotations: { [ANNOTATION.routes]: JSON.stringify(annotation) } },
      spec: { hosts: [host], http },
    });
    const cb = props.circuitBreaker;
    new DestinationRule(this, 'destination-rule', {
      metadata: { name, namespace },
      spec: {
        host,
        trafficPolicy: {
          connectionPool: {
            tcp: { maxConnections: cb.maxConnections },
            http: { http1MaxPendingRequests: cb.maxPendingRequests, maxRetries: cb.maxRetries },
          },
          retryBudget: {
            percent: cb.retryBudget.percent,
            minRetryConcurrency: cb.retryBudget.minRetryConcurrency,
          },
          ...(cb.outlierDetection === undefined
            ? {}
            : {
                outlierDetection: {
                  consecutive5XxErrors: cb.outlierDetection.consecutive5xxErrors,
                  interval: duration(cb.outlierDetection.intervalMs),
                  baseEjectionTime: duration(cb.outlierDetection.baseEjectionTimeMs),
                  maxEjectionPercent: cb.outlierDetection.maxEjectionPercent,
                },
              }),
        },
        ...(routing?.release === undefined
          ? {}
          : { subsets: routing.deployed.map((d) => ({ name: d.version, labels: { version: d.version } })) }),
      },
    });
  }
}

/** A catalog route's name, match, timeout and retry policy, before any destination. */
function routeBase(r: RouteSpec): { name: string; match: Record<string, unknown>[] } & ReturnType<typeof routePolicy> {
  return {
    name: routeName(r.method, r.path),
    match: [
      {
        method: { exact: r.method },
        uri: r.path.includes(':') ? { regex: pathRegex(r.path) } : { exact: r.path },
      },
    ],
    ...routePolicy(r),
  };
}
