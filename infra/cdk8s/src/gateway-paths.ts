import type { Catalog, GatewayAuth, HttpMethod } from '@mesh-kit/catalog';
import { isUnder } from './constructs/shop-service.js';

/** One route as the ingress gateway exposes it. */
export interface GatewayPath {
  readonly service: string;
  readonly method: HttpMethod;
  /** The public path template (`/api/products/:sku`). */
  readonly path: string;
  readonly auth: GatewayAuth;
}

/** Every route the catalog exposes at the gateway, with the auth its gateway entry declares. */
export function gatewayPaths(catalog: Catalog): GatewayPath[] {
  return catalog.services.flatMap((spec) =>
    spec.gateway.flatMap((g) =>
      spec.routes
        .filter((r) => isUnder(r.path, g.rewrite))
        .map((r) => ({
          service: spec.name,
          method: r.method,
          path: g.prefix + r.path.slice(g.rewrite.length),
          auth: g.auth ?? 'jwt',
        })),
    ),
  );
}
