import { setTimeout as sleep } from 'node:timers/promises';
import type { RouteSpec } from '@mesh-kit/catalog';
import { pathRegex } from '../infra/cdk8s/src/mesh-names.js';

/** One attempt's outcome: an answer with a status, or no answer at all (refused, reset). */
export type Attempt<T extends { status: number }> = { answered: T } | { failed: unknown };

/**
 * @models the caller's Envoy sidecar retrying a route (Istio 1.30.3's HTTPRetry → Envoy's router)
 *
 * Calls a route as the caller's sidecar would on a cluster, for the tests that run the services as
 * plain processes (no Envoy between them): `send` is tried once, then retried up to
 * `retries.attempts` times (Istio's HTTPRetry.attempts counts retries, the first try aside) while
 * the outcome is one the route's `retryOn` names. Rules from Envoy's
 * `envoyproxy/envoy/docs/root/configuration/http/http_filters/router_filter.rst` (stored at envoy@040783c, the
 * nearest to 4f1e006, which Istio 1.30.3 pins): `5xx` retries any 5xx answer and no answer at all
 * (it includes connect-failure and refused-stream); `connect-failure` and `refused-stream` retry
 * no answer only; the pause before retry N is drawn from [0, (2^N − 1) × 25 ms), the default fully
 * jittered back-off. Left out: per-try and route timeouts (the caller's fetch has its own), the
 * retry budget and outlier detection.
 */
export async function callAsSidecar<T extends { status: number }>(
  route: RouteSpec,
  send: () => Promise<T>,
): Promise<T> {
  const retryOn = new Set((route.retries?.retryOn ?? '').split(','));
  const retriesAllowed = route.retries?.attempts ?? 0;
  for (let retry = 0; ; retry++) {
    const outcome: Attempt<T> = await send().then(
      (answered) => ({ answered }),
      (failed: unknown) => ({ failed }),
    );
    const retriable =
      'failed' in outcome
        ? retryOn.has('5xx') || retryOn.has('connect-failure') || retryOn.has('refused-stream')
        : retryOn.has('5xx') && outcome.answered.status >= 500;
    if (!retriable || retry >= retriesAllowed) {
      if ('failed' in outcome) throw outcome.failed;
      return outcome.answered;
    }
    await sleep(Math.random() * (2 ** (retry + 1) - 1) * 25);
  }
}

/** The catalog route `method path` of `service`, or an error naming what is missing. */
export function routeOf(
  services: readonly { name: string; routes: readonly RouteSpec[] }[],
  service: string,
  method: string,
  path: string,
): RouteSpec {
  const route = services.find((s) => s.name === service)?.routes.find((r) => r.method === method && r.path === path);
  if (route === undefined) throw new Error(`the catalog has no route ${method} ${path} on ${service}`);
  return route;
}

/** The catalog route of `service` that serves `method path` (`/orders/abc` → `GET /orders/:id`), or an error. */
export function routeServing(
  services: readonly { name: string; routes: readonly RouteSpec[] }[],
  service: string,
  method: string,
  path: string,
): RouteSpec {
  const serves = (route: RouteSpec): boolean => route.method === method && new RegExp(pathRegex(route.path)).test(path);
  const route = services.find((s) => s.name === service)?.routes.find(serves);
  if (route === undefined) throw new Error(`no catalog route of ${service} serves ${method} ${path}`);
  return route;
}
