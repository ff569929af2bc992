import { Construct } from 'constructs';
import { type Catalog, gatewayAuthOf } from '@mesh-kit/catalog';
import {
  Gateway,
  GatewaySpecServersTlsMode,
  VirtualService,
  type VirtualServiceSpecHttp,
} from '../../imports/networking.istio.io.js';
import { ANNOTATION, pathRegex, routeName, serviceHost } from '../mesh-names.js';
import { isUnder } from './shop-service.js';
import { type RouteAnnotation, routeKey, routePolicy } from './service-traffic.js';
import { routingOf, versionedRoutes } from '../traffic-plan.js';
import { IDENTITY_CLAIM, NON_EMPTY, unauthorizedRoute, verifiedClaimKey } from '../token-required.js';

/** The Gateway's HTTPS server port name (what the HSTS EnvoyFilter matches the route configuration by). */
export const HTTPS_PORT_NAME = 'https';

export interface IngressRoutesProps {
  readonly catalog: Catalog;
  /**
   * Name of the Gateway and of the ingress VirtualService.
   * @default `${namespace}-gateway` and `${namespace}-ingress`
   */
  readonly gatewayName?: string;
  readonly virtualServiceName?: string;
}

/**
 * The shop's public edge: a Gateway on the shared ingress gateway (HTTP on `ingress.port`, redirecting
 * to HTTPS when `ingress.tls.httpsRedirect`; HTTPS on `ingress.tls.port` with the Secret
 * `ingress.tls.credentialName`), and one VirtualService with a
 * route per public service route (`/api/orders/:id` → orders `/orders/:id`), each carrying that
 * route's timeout and retry policy, and scrubbing internal response headers.
 *
 * Auth is per gateway route, from the catalog. Routes with `auth: 'apiKey'`, `'public'` (GET only; with
 * `'signIn'` the only ones that may lie outside the protected prefix: web's pages) or `'signIn'` (the
 * identity provider's GETs and POSTs) come first and
 * require no claim: the CUSTOM policy (GatewayApiKeys) guards API-key routes before
 * the router runs, and the key header is removed here, in the router, after the check has read it,
 * so no service ever sees a key; a public route matches with or without a token. Every JWT route
 * (the catalog's default `auth`) requires a verified `sub` claim (jwt_authn's metadata, which a
 * client cannot supply), and a route ahead of them answers 401 problem+json under the protected
 * prefix when there is none: a request without a token passes authentication and the gateway's DENY
 * policy (which only judges requests that carry credentials) and gets its 401 here. Istio has no
 * switch for that 401 (istio/api#3597).
 *
 * The identity header is deliberately not touched here: route-level header removal runs in the
 * router, after jwt_authn has written the verified claim, so removing it would drop the real value
 * too. GatewayAuthentication strips the client's copy before jwt_authn instead.
 */
export class IngressRoutes extends Construct {
  constructor(scope: Construct, id: string, props: IngressRoutesProps) {
    super(scope, id);
    const { catalog } = props;
    const namespace = catalog.namespace;
    const gatewayName = props.gatewayName ?? `${namespace}-gateway`;
    const { tls } = catalog.ingress;
    new Gateway(this, 'gateway', {
      metadata: { name: gatewayName, namespace },
      spec: {
        selector: { ...catalog.ingress.selector },
        servers: [
          {
            port: { number: catalog.ingress.port, name: 'http', protocol: 'HTTP' },
            hosts: ['*'],
            ...(tls.httpsRedirect ? { tls: { httpsRedirect: true } } : {}),
          },
          {
            port: { number: tls.port, name: HTTPS_PORT_NAME, protocol: 'HTTPS' },
            hosts: ['*'],
            tls: { mode: GatewaySpecServersTlsMode.SIMPLE, credentialName: tls.credentialName },
          },
        ],
      },
    });
    const protectedPrefix = catalog.ingress.jwt.protectedPrefix;
    const open: VirtualServiceSpecHttp[] = [];
    const withToken: VirtualServiceSpecHttp[] = [];
    const verified = { [verifiedClaimKey(IDENTITY_CLAIM)]: { ...NON_EMPTY } };
    const annotation: RouteAnnotation[] = [];
    for (const spec of catalog.services) {
      for (const g of spec.gateway) {
        const auth = gatewayAuthOf(g);
        for (const r of spec.routes.filter((route) => isUnder(route.path, g.rewrite))) {
          const publicPath = g.prefix + r.path.slice(g.rewrite.length);
          if (auth !== 'signIn' && auth !== 'public' && !publicPath.startsWith(protectedPrefix)) {
            throw new Error(
              `${spec.name}: gateway path '${publicPath}' is outside the protected prefix '${protectedPrefix}'`,
            );
          }
          if (auth === 'public' && r.method !== 'GET') {
            throw new Error(`${spec.name}: public gateway path '${publicPath}' must be GET only, got ${r.method}`);
          }
          const name = `${spec.name}-${routeName(r.method, r.path)}`;
          // The gateway's own route to a service carries its canary split and mirror too.
          const entries = versionedRoutes(
            {
              name,
              match: [
                {
                  method: { exact: r.method },
                  uri: { regex: pathRegex(publicPath) },
                  ...(auth === 'jwt' ? { headers: { ...verified } } : {}),
                },
              ],
              ...(g.prefix === g.rewrite
                ? {}
                : {
                    rewrite: { uriRegexRewrite: { match: pathRegex(g.prefix).replace(/\$$/, ''), rewrite: g.rewrite } },
                  }),
              ...routePolicy(r),
              headers: {
                ...(auth === 'apiKey' ? { request: { remove: [catalog.ingress.apiKeys.keyHeader] } } : {}),
                response: { remove: [...catalog.ingress.scrubResponseHeaders] },
              },
            },
            serviceHost(spec.name, catalog),
            spec.port,
            routingOf(catalog, spec),
          );
          for (const entry of entries) {
            annotation.push({
              name: entry.name,
              method: r.method,
              path: publicPath,
              idempotent: r.idempotent,
              calls: [routeKey(r.method, spec.name, r.path)],
            });
            (auth === 'jwt' ? withToken : open).push(entry as VirtualServiceSpecHttp);
          }
        }
      }
    }
    new VirtualService(this, 'virtual-service', {
      metadata: {
        name: props.virtualServiceName ?? `${namespace}-ingress`,
        namespace,
        annotations: { [ANNOTATION.routes]: JSON.stringify(annotation) },
      },
      spec: {
        hosts: ['*'],
        gateways: [gatewayName],
        http: [...open, unauthorizedRoute({ prefix: protectedPrefix, realm: catalog.ingress.jwt.realm }), ...withToken],
      },
    });
  }
}
