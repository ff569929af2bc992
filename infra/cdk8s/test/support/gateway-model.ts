/**
 * A model of the ingress gateway's request path, interpreting the synthesized objects: the
 * gateway-set-header strip, jwt_authn (token locations from the RequestAuthentication), the CUSTOM
 * policy's ext_authz check, the DENY AuthorizationPolicy, then the router's first matching route
 * and its request header removals. It encodes these Envoy/Istio facts (sources: docs/architecture.md,
 * "The caller's identity at the gateway", and docs/security.md):
 * - jwt_authn reads tokens only from a rule's `fromHeaders`/`fromParams`; with neither, from
 *   `Authorization: Bearer` and the `access_token` query parameter (Istio's defaults);
 * - CUSTOM is evaluated before DENY and ALLOW; the HTTP ext_authz check carries the method, the
 *   provider's pathPrefix + the path, and only the included headers; a non-200 answer is the
 *   client's answer, a 200 copies headersToUpstreamOnAllow onto the request;
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
  | { readonly by: 'jwt_authn' | 'ext_authz' | 'rbac' | 'router'; readonly status: number; readonly route?: string }
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
  headers?: { request?: { remove?: string[] } };
}
interface Rule {
  from?: { source: { notRequestPrincipals?: string[] } }[];
  to?: { operation: { paths?: string[]; notPaths?: string[]; methods?: string[]; notMethods?: string[] } }[];
  when?: { key: string; values?: string[] }[];
}
interface JwtRule {
  issuer: string;
  fromHeaders?: { name: string; prefix?: string }[];
  fromParams?: string[];
}

/** meshConfig.extensionProviders[].envoyExtAuthzHttp, the fields the model uses. */
export interface ExtAuthzHttpProvider {
  readonly pathPrefix?: string;
  readonly includeRequestHeadersInCheck?: readonly string[];
  readonly headersToUpstreamOnAllow?: readonly string[];
}

/** What the ext_authz service answers a check. */
export interface CheckAnswer {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
}

export type ExtAuthzService = (check: {
  readonly method: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
}) => CheckAnswer;

/** Whether an AuthorizationPolicy path matches: exact, `prefix*`, or a template whose `{*}` is one whole segment. */
function policyPathMatches(pattern: string, path: string): boolean {
  if (pattern.endsWith('*') && !pattern.endsWith('{*}')) return path.startsWith(pattern.slice(0, -1));
  const regex = pattern
    .split('/')
    .map((s) => (s === '{*}' ? '[^/]+' : s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${regex}$`).test(path);
}

const operationMatches = (rule: Rule, method: string, path: string): boolean =>
  (rule.to ?? [{ operation: {} }]).some(
    ({ operation }) =>
      (operation.paths ?? ['*']).some((p) => policyPathMatches(p, path)) &&
      !(operation.notPaths ?? []).some((p) => policyPathMatches(p, path)) &&
      (operation.methods ?? [method]).includes(method) &&
      !(operation.notMethods ?? []).includes(method),
  );

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

export interface GatewayModelConfig {
  /** The issuer of tokens in `validTokens` that name none. */
  readonly issuer: string;
  readonly identityHeader: string;
  /** token → claims that jwt_authn accepts (any other token is invalid). */
  readonly validTokens: Readonly<Record<string, { sub: string; iss?: string }>>;
  /** The mesh's ext_authz providers by name (mesh/istio/istio-operator.yaml). */
  readonly providers?: Readonly<Record<string, ExtAuthzHttpProvider>>;
  /** The ext_authz service behind every provider. @default one that refuses everything (403) */
  readonly extAuthz?: ExtAuthzService;
}

export function gatewayModel(objects: readonly KubeObject[], config: GatewayModelConfig): GatewayModel {
  const ingress = objects.find((o) => o.kind === 'VirtualService' && o.spec?.gateways !== undefined);
  const http = (ingress?.spec as { http: HttpRoute[] } | undefined)?.http ?? [];
  const denyRules = objects
    .filter((o) => o.kind === 'AuthorizationPolicy' && (o.spec as { action?: string }).action === 'DENY')
    .flatMap((o) => (o.spec as { rules?: Rule[] }).rules ?? []);
  const customPolicies = objects
    .filter((o) => o.kind === 'AuthorizationPolicy' && (o.spec as { action?: string }).action === 'CUSTOM')
    .map((o) => o.spec as { provider: { name: string }; rules?: Rule[] });
  const jwtRules = objects
    .filter((o) => o.kind === 'RequestAuthentication')
    .flatMap((o) => (o.spec as { jwtRules?: JwtRule[] }).jwtRules ?? []);
  // Istio's header_mutation strip, from the synthesized EnvoyFilter: what a client can never set.
  const stripped = objects
    .filter((o) => o.kind === 'EnvoyFilter')
    .flatMap((o) => JSON.stringify(o.spec).match(/"remove":"[^"]+"/g) ?? [])
    .map((m) => m.slice('"remove":"'.length, -1).toLowerCase());
  /** The token jwt_authn finds for an issuer's rule, and where (a header to remove after verification). */
  const locate = (
    rule: JwtRule,
    headers: Record<string, string>,
    query: URLSearchParams,
  ): { token: string; header?: string } | undefined => {
    const fromHeaders =
      rule.fromHeaders ?? (rule.fromParams === undefined ? [{ name: 'Authorization', prefix: 'Bearer ' }] : []);
    const fromParams = rule.fromParams ?? (rule.fromHeaders === undefined ? ['access_token'] : []);
    for (const h of fromHeaders) {
      const value = headers[h.name.toLowerCase()];
      if (value !== undefined && value.startsWith(h.prefix ?? '')) {
        return { token: value.slice((h.prefix ?? '').length), header: h.name.toLowerCase() };
      }
    }
    for (const p of fromParams) {
      const value = query.get(p);
      if (value !== null) return { token: value };
    }
    return undefined;
  };

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
      const toOk = operationMatches(rule, method, path);
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

      for (const header of stripped) delete headers[header];

      const params = new URLSearchParams(query);
      let claims: { sub: string; iss: string } | undefined;
      const preflight = method === 'OPTIONS' && headers.origin !== undefined;
      // Each rule looks for its own locations; a token found anywhere must verify (Istio: one
      // provider per rule, a found-but-invalid token is a 401).
      const found = preflight
        ? []
        : jwtRules.map((rule) => locate(rule, headers, params)).filter((f) => f !== undefined);
      for (const { token, header } of found) {
        const valid = config.validTokens[token];
        const iss = valid?.iss ?? config.issuer;
        if (valid === undefined || !jwtRules.some((r) => r.issuer === iss)) return { by: 'jwt_authn', status: 401 };
        claims = { sub: valid.sub, iss };
        if (header !== undefined) delete headers[header];
      }
      if (claims !== undefined) {
        headers[config.identityHeader] = claims.sub;
        if (options.routeCacheCleared ?? true) route = selectRoute(path, method, headers, claims);
      }
      const principal = claims === undefined ? undefined : `${claims.iss}/${claims.sub}`;

      for (const policy of customPolicies) {
        if (!(policy.rules ?? []).some((rule) => operationMatches(rule, method, path))) continue;
        const provider = config.providers?.[policy.provider.name];
        if (provider === undefined) throw new Error(`model: no ext_authz provider '${policy.provider.name}'`);
        const included = Object.fromEntries(
          (provider.includeRequestHeadersInCheck ?? [])
            .filter((h) => headers[h] !== undefined)
            .map((h) => [h, headers[h]!]),
        );
        const refuseAll: ExtAuthzService = () => ({ status: 403 });
        const answer = (config.extAuthz ?? refuseAll)({
          method,
          path: `${provider.pathPrefix ?? ''}${request.path}`,
          headers: included,
        });
        if (answer.status !== 200) return { by: 'ext_authz', status: answer.status };
        for (const h of provider.headersToUpstreamOnAllow ?? []) {
          const value = answer.headers?.[h];
          if (value !== undefined) headers[h] = value;
        }
      }

      if (denied(method, path, headers, principal)) return { by: 'rbac', status: 403 };
      if (route === undefined) return { by: 'router', status: 404 };
      if (route.directResponse !== undefined) {
        return { by: 'router', status: route.directResponse.status, route: route.name };
      }
      for (const h of route.headers?.request?.remove ?? []) delete headers[h.toLowerCase()];
      return { by: 'upstream', route: route.name, principal, headers };
    },
  };
}
