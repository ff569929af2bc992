/**
 * A model of the ingress gateway's request path, interpreting the synthesized objects: the
 * identity-header strip, jwt_authn, the DENY AuthorizationPolicy, then the router's first matching
 * route. It encodes these Envoy/Istio facts (sources: docs/architecture.md, "The caller's identity at
 * the gateway"):
 * - header names are lower-cased by Envoy's codecs;
 * - jwt_authn (Istio: allow_missing) rejects an invalid token with 401, lets a missing one through,
 *   and on success writes the claims to its metadata, sets the claim headers and removes the token
 *   (`forwardOriginalToken: false`);
 * - RBAC `request.headers[h]` with `*` and a VirtualService `{}` header match are `present_match`;
 * - a route match on `@request.auth.claims.<c>` reads jwt_authn's metadata, never a header;
 * - the route is chosen before the filters run and chosen again only when jwt_authn clears the
 *   cache after a successful verification (Istio sets `clear_route_cache` on gateways); the model
 *   can also assume it is never cleared, the worst case.
 * It is a model: only a cluster (`make verify`) proves Envoy behaves so.
 */
import type { KubeObject } from './shop.js';

export interface ModelRequest {
  readonly method: string;
  /** Path with an optional query string. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
}

export type Outcome =
  | { readonly by: 'jwt_authn' | 'rbac' | 'router'; readonly status: number; readonly route?: string }
  | {
      readonly by: 'upstream';
      readonly route: string;
      readonly principal: string | undefined;
      readonly headers: Readonly<Record<string, string>>;
    };

interface StringMatch {
  exact?: string;
  prefix?: string;
  regex?: string;
}
interface Match {
  uri?: StringMatch;
  method?: StringMatch;
  headers?: Record<string, StringMatch>;
  withoutHeaders?: Record<string, StringMatch>;
}
interface HttpRoute {
  name: string;
  match?: Match[];
  route?: unknown[];
  directResponse?: { status: number };
}
interface Rule {
  from?: { source: { notRequestPrincipals?: string[] } }[];
  to?: { operation: { paths?: string[]; notPaths?: string[]; methods?: string[]; notMethods?: string[] } }[];
  when?: { key: string; values?: string[] }[];
}

const CLAIM_KEY = /^@request\.auth\.claims\.(.+)$/;

function stringMatches(m: StringMatch, value: string | undefined): boolean {
  if (value === undefined) return false;
  if (m.exact !== undefined) return value === m.exact;
  if (m.prefix !== undefined) return value.startsWith(m.prefix);
  if (m.regex !== undefined) return new RegExp(`^(?:${m.regex})$`).test(value);
  return true; // `{}`: present_match
}

export interface GatewayModel {
  send(request: ModelRequest, options?: { routeCacheCleared?: boolean }): Outcome;
}

/**
 * @param validTokens token → claims that jwt_authn accepts (any other Bearer token is invalid)
 */
export function gatewayModel(
  objects: readonly KubeObject[],
  config: { issuer: string; identityHeader: string; validTokens: Readonly<Record<string, { sub: string }>> },
): GatewayModel {
  const ingress = objects.find((o) => o.kind === 'VirtualService' && o.spec?.gateways !== undefined);
  const http = (ingress?.spec as { http: HttpRoute[] } | undefined)?.http ?? [];
  const denyRules = objects
    .filter((o) => o.kind === 'AuthorizationPolicy' && (o.spec as { action?: string }).action === 'DENY')
    .flatMap((o) => (o.spec as { rules?: Rule[] }).rules ?? []);

  const selectRoute = (path: string, method: string, headers: Record<string, string>, claims?: { sub: string }) => {
    const matches = (m: Match): boolean => {
      if (m.uri !== undefined && !stringMatches(m.uri, path)) return false;
      if (m.method !== undefined && !stringMatches(m.method, method)) return false;
      const value = (key: string): string | undefined => {
        const claim = CLAIM_KEY.exec(key);
        return claim === null ? headers[key] : (claims as Record<string, string> | undefined)?.[claim[1]!];
      };
      for (const [key, sm] of Object.entries(m.headers ?? {})) if (!stringMatches(sm, value(key))) return false;
      for (const [key, sm] of Object.entries(m.withoutHeaders ?? {})) if (stringMatches(sm, value(key))) return false;
      return true;
    };
    return http.find((r) => (r.match ?? [{}]).some(matches));
  };

  // Istio's path forms: exact, `prefix*`, and templates where `{*}` is one whole segment.
  const pathMatches = (p: string, path: string): boolean => {
    if (p.endsWith('*') && !p.endsWith('{*}')) return path.startsWith(p.slice(0, -1));
    if (p.includes('{*}')) {
      const pattern = p
        .split('/')
        .map((seg) => (seg === '{*}' ? '[^/]+' : seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
        .join('/');
      return new RegExp(`^${pattern}$`).test(path);
    }
    return path === p;
  };
  const denied = (
    method: string,
    path: string,
    headers: Record<string, string>,
    principal: string | undefined,
  ): boolean =>
    denyRules.some((rule) => {
      const fromOk = (rule.from ?? [{ source: {} }]).some(
        ({ source }) => source.notRequestPrincipals?.includes('*') !== true || principal === undefined,
      );
      const toOk = (rule.to ?? [{ operation: {} }]).some(
        ({ operation }) =>
          (operation.paths ?? ['*']).some((p) => pathMatches(p, path)) &&
          !(operation.notPaths ?? []).some((p) => pathMatches(p, path)) &&
          (operation.methods ?? [method]).includes(method) &&
          !(operation.notMethods ?? []).includes(method),
      );
      const whenOk = (rule.when ?? []).every(({ key, values }) => {
        const header = /^request\.headers\[(.+)\]$/.exec(key)?.[1];
        if (header === undefined) throw new Error(`model: unsupported condition ${key}`);
        return (values ?? []).some((v) => stringMatches(v === '*' ? {} : { exact: v }, headers[header]));
      });
      return fromOk && toOk && whenOk;
    });

  return {
    send(request, options = {}) {
      const [path = '', query = ''] = request.path.split('?');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
      const method = request.method;
      // The route as chosen from the request as it arrived, before any filter ran.
      let route = selectRoute(path, method, headers);

      delete headers[config.identityHeader];

      const bearer = headers.authorization?.startsWith('Bearer ') === true ? headers.authorization.slice(7) : undefined;
      const token = bearer ?? new URLSearchParams(query).get('access_token') ?? undefined;
      let claims: { sub: string } | undefined;
      const preflight = method === 'OPTIONS' && headers.origin !== undefined;
      if (token !== undefined && !preflight) {
        claims = config.validTokens[token];
        if (claims === undefined) return { by: 'jwt_authn', status: 401 };
        if (bearer !== undefined) delete headers.authorization;
        headers[config.identityHeader] = claims.sub;
        if (options.routeCacheCleared ?? true) route = selectRoute(path, method, headers, claims);
      }
      const principal = claims === undefined ? undefined : `${config.issuer}/${claims.sub}`;

      if (denied(method, path, headers, principal)) return { by: 'rbac', status: 403 };
      if (route === undefined) return { by: 'router', status: 404 };
      if (route.directResponse !== undefined) {
        return { by: 'router', status: route.directResponse.status, route: route.name };
      }
      return { by: 'upstream', route: route.name, principal, headers };
    },
  };
}
