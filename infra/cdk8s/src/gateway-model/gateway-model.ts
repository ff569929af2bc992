/**
 * @models The Istio ingress gateway's HTTP filter chain (Envoy as Istio 1.30.3 configures it)
 *
 * A model of the ingress gateway's request path, interpreting the synthesized objects. The filter
 * chain is built the way Istio builds it and then patched the way Istio applies EnvoyFilters; each
 * filter then does what Envoy's filter does. Every rule names the upstream line it imitates (the
 * table "Models and what they imitate" in docs/testing.md lists them all):
 *
 * - The order (istio/istio@1.30.3 pilot/pkg/networking/core/listener_builder.go,
 *   buildHTTPConnectionManager): metadata exchange, then the CUSTOM authorization filter (ext_authz),
 *   then authentication (jwt_authn), then the DENY/ALLOW RBAC filters, …, fault, CORS, stats, and the
 *   router last. EnvoyFilter HTTP_FILTER patches are applied to that list
 *   (pilot/pkg/networking/core/envoyfilter/listener_patch.go@1.30.3, patchHTTPFilters): INSERT_FIRST
 *   prepends, INSERT_BEFORE/INSERT_AFTER insert next to the first filter of the named subFilter (without
 *   a subFilter: first / last), ADD appends. So the synthesized header strip (INSERT_FIRST) runs before
 *   ext_authz, and the local rate limit (INSERT_BEFORE the router) after RBAC.
 * - ext_authz (HTTP service): the check carries the method, the provider's pathPrefix + the original
 *   path and query, the headers the provider includes (Istio 1.30.3
 *   pilot/pkg/security/authz/builder/extauthz.go: includeRequestHeadersInCheck becomes the filter's
 *   allowed_headers) plus `authorization`, `host`, `:method` and `:path`, which Envoy always adds for an
 *   HTTP service (envoyproxy/envoy source/extensions/filters/common/ext_authz/check_request_utils.cc,
 *   CheckRequestUtils::toRequestMatchers with add_http_headers). A non-200 answer is the client's answer;
 *   a 200 copies headersToUpstreamOnAllow onto the request. It runs only where a CUSTOM policy's rules
 *   match (the CUSTOM builder's shadow RBAC filter sets the metadata ext_authz is enabled by).
 * - jwt_authn (Istio's RequestAuthentication: every rule `allow_missing`, so a missing token passes
 *   and a found-but-invalid one is a 401; pilot/pkg/security/authn/policy_applier.go@1.30.3): tokens are
 *   read only from a rule's `fromHeaders`/`fromParams`, with neither from `Authorization: Bearer` and
 *   the `access_token` query parameter; on success the claims go to the filter's metadata, the claim
 *   headers are set, the token header is removed (`forwardOriginalToken: false`), and on gateways the
 *   route cache is cleared (`clear_route_cache`), so the route is chosen again. The model can also
 *   assume the cache is never cleared, the worst case.
 * - RBAC DENY: `requestPrincipals`/`notRequestPrincipals` match jwt_authn's iss and sub as
 *   {@link requestPrincipalMatches} reads generator.go@1.30.3 (a source's fields ANDed, its sources
 *   ORed); `request.headers[h]` with `*` and a VirtualService `{}` header match are `present_match`;
 *   a route match on `@request.auth.claims.<c>` reads jwt_authn's metadata, never a header.
 * - RBAC DENY conditions on `request.auth.claims[…]`: {@link claimConditionMatches} (a number claim
 *   such as `exp` never matches Istio's string matchers, present or absent).
 * - A jwt_authn filter an EnvoyFilter adds (the token lifetime check) runs as configured
 *   (./envoy-jwt-authn.ts).
 * - local_ratelimit: only when a rate limit model is given for the filter (./local-rate-limit.ts;
 *   `rateLimits` by Envoy filter name, `rateLimit` for envoy.filters.http.local_ratelimit); otherwise it
 *   passes. The client address it keys on is the HCM's ({@link trustedClientAddress}).
 * - Time: `exp`/`nbf` of every token against `now` with Envoy's 60 s skew.
 * - Header names are lower-cased by Envoy's codecs.
 * Not modelled: the ALLOW RBAC filter (the gateway has no ALLOW policy), CORS, fault injection,
 * retries, and anything upstream of the router. It is a model: only a cluster (`make verify`) proves
 * Envoy behaves so.
 */
import { isIP } from 'node:net';
import { envoyJwtAuthn, type JwtAuthnConfig, timeConstraintOk } from './envoy-jwt-authn.js';
import type { KubeObject } from './kube-object.js';
import type { RateLimitModel } from './local-rate-limit.js';

export interface ModelRequest {
  readonly method: string;
  /** Path with an optional query string. */
  readonly path: string;
  readonly headers?: Readonly<Record<string, string>>;
  /** The TCP peer's address (the gateway's immediate downstream). @default '192.0.2.1' */
  readonly remoteAddress?: string;
}

export type FilterName = 'header_mutation' | 'ext_authz' | 'jwt_authn' | 'rbac' | 'local_ratelimit' | 'router';

export type Outcome =
  | {
      readonly by: 'jwt_authn' | 'ext_authz' | 'rbac' | 'local_ratelimit' | 'router';
      readonly status: number;
      readonly route?: string;
      /** The local reply's body and headers, where the filter gives one (ext_authz's denial, a direct response). */
      readonly body?: string;
      readonly headers?: Readonly<Record<string, string>>;
    }
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
  directResponse?: { status: number; body?: { string?: string } };
  headers?: { request?: { remove?: string[] } };
}
interface Rule {
  from?: { source: { requestPrincipals?: string[]; notRequestPrincipals?: string[] } }[];
  to?: { operation: { paths?: string[]; notPaths?: string[]; methods?: string[]; notMethods?: string[] } }[];
  when?: { key: string; values?: string[]; notValues?: string[] }[];
}
interface JwtRule {
  issuer: string;
  fromHeaders?: { name: string; prefix?: string }[];
  fromParams?: string[];
}
interface HttpFilterPatch {
  applyTo: string;
  match?: { listener?: { filterChain?: { filter?: { subFilter?: { name?: string } } } } };
  patch: { operation: string; value?: { name?: string; typed_config?: { '@type'?: string } } };
}

/** meshConfig.extensionProviders[].envoyExtAuthzHttp, the fields the model uses. */
export interface ExtAuthzHttpProvider {
  readonly service?: string;
  readonly port?: number;
  readonly pathPrefix?: string;
  readonly includeRequestHeadersInCheck?: readonly string[];
  readonly headersToUpstreamOnAllow?: readonly string[];
  readonly headersToDownstreamOnDeny?: readonly string[];
}

/** What the ext_authz service answers a check. */
export interface CheckAnswer {
  readonly status: number;
  /** On 200: the headers the gateway may copy upstream; otherwise those it may pass to the client. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: string;
}

export type ExtAuthzService = (
  check: {
    readonly method: string;
    readonly path: string;
    readonly headers: Readonly<Record<string, string>>;
  },
  provider: ExtAuthzHttpProvider,
) => CheckAnswer | Promise<CheckAnswer>;

/** The claims jwt_authn takes from a verified token. */
export interface VerifiedClaims {
  readonly iss: string;
  readonly sub: string;
  readonly [claim: string]: unknown;
}

/** A token's claims when it verifies for the rule of its issuer, else undefined. */
export type TokenVerifier = (token: string) => VerifiedClaims | undefined | Promise<VerifiedClaims | undefined>;

/** Headers Envoy adds to every HTTP ext_authz check whatever the provider lists (check_request_utils.cc). */
const ALWAYS_CHECKED = ['authorization', 'host'];

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

/**
 * The filters the model knows, by the type of their typed_config (Envoy picks an HTTP filter's
 * extension by that type, whatever the filter is named).
 */
const KNOWN_FILTERS: Readonly<Record<string, FilterName>> = {
  'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation': 'header_mutation',
  'type.googleapis.com/envoy.extensions.filters.http.ext_authz.v3.ExtAuthz': 'ext_authz',
  'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication': 'jwt_authn',
  'type.googleapis.com/envoy.extensions.filters.http.rbac.v3.RBAC': 'rbac',
  'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit': 'local_ratelimit',
  'type.googleapis.com/envoy.extensions.filters.http.router.v3.Router': 'router',
};

interface ChainEntry {
  /** The Envoy filter name (what a patch's subFilter names). */
  readonly envoyName: string;
  readonly kind: FilterName | undefined;
  /** For header_mutation: the headers it removes. */
  readonly removes?: readonly string[];
  /** For a filter an EnvoyFilter adds: its typed_config (a jwt_authn of our own is run as configured). */
  readonly config?: Readonly<Record<string, unknown>>;
}

/**
 * The HTTP filters of the gateway's listener, in order: Istio's base chain for the policies present,
 * then the synthesized EnvoyFilters' HTTP_FILTER patches applied in object order.
 */
export function gatewayFilterChain(objects: readonly KubeObject[]): ChainEntry[] {
  const policies = objects.filter((o) => o.kind === 'AuthorizationPolicy');
  const action = (o: KubeObject) => (o.spec as { action?: string }).action ?? 'ALLOW';
  const chain: ChainEntry[] = [{ envoyName: 'istio.metadata_exchange', kind: undefined }];
  if (policies.some((p) => action(p) === 'CUSTOM')) {
    chain.push({ envoyName: 'envoy.filters.http.rbac', kind: undefined }); // CUSTOM's shadow rules
    chain.push({ envoyName: 'envoy.filters.http.ext_authz', kind: 'ext_authz' });
  }
  if (objects.some((o) => o.kind === 'RequestAuthentication')) {
    chain.push({ envoyName: 'envoy.filters.http.jwt_authn', kind: 'jwt_authn' });
  }
  if (policies.some((p) => action(p) === 'DENY' || action(p) === 'ALLOW')) {
    chain.push({ envoyName: 'envoy.filters.http.rbac', kind: 'rbac' });
  }
  chain.push(
    { envoyName: 'envoy.filters.http.grpc_stats', kind: undefined },
    { envoyName: 'envoy.filters.http.fault', kind: undefined },
    { envoyName: 'envoy.filters.http.cors', kind: undefined },
    { envoyName: 'istio.stats', kind: undefined },
    { envoyName: 'envoy.filters.http.router', kind: 'router' },
  );
  for (const filter of objects.filter((o) => o.kind === 'EnvoyFilter')) {
    for (const p of (filter.spec as { configPatches?: HttpFilterPatch[] }).configPatches ?? []) {
      if (p.applyTo !== 'HTTP_FILTER') continue;
      const name = p.patch.value?.name ?? '';
      const entry: ChainEntry = {
        envoyName: name,
        kind: KNOWN_FILTERS[p.patch.value?.typed_config?.['@type'] ?? ''],
        removes: (JSON.stringify(p.patch.value).match(/"remove":"[^"]+"/g) ?? []).map((m) =>
          m.slice('"remove":"'.length, -1).toLowerCase(),
        ),
        ...(p.patch.value?.typed_config === undefined
          ? {}
          : { config: p.patch.value.typed_config as Readonly<Record<string, unknown>> }),
      };
      const sub = p.match?.listener?.filterChain?.filter?.subFilter?.name;
      const at = sub === undefined ? -1 : chain.findIndex((e) => e.envoyName === sub);
      switch (p.patch.operation) {
        case 'INSERT_FIRST':
          chain.unshift(entry);
          break;
        case 'ADD':
          chain.push(entry);
          break;
        case 'INSERT_BEFORE':
          if (sub === undefined) chain.unshift(entry);
          else if (at >= 0) chain.splice(at, 0, entry);
          break;
        case 'INSERT_AFTER':
          if (sub === undefined) chain.push(entry);
          else if (at >= 0) chain.splice(at + 1, 0, entry);
          break;
        default:
          throw new Error(`model: EnvoyFilter operation ${p.patch.operation} on an HTTP filter is not modelled`);
      }
    }
  }
  return chain;
}

export interface GatewayModel {
  /** The modelled filters in the order the gateway runs them. */
  readonly order: readonly FilterName[];
  send(request: ModelRequest, options?: { routeCacheCleared?: boolean }): Promise<Outcome>;
}

export interface GatewayModelConfig {
  /** The issuer of tokens in `validTokens` that name none. */
  readonly issuer?: string;
  readonly identityHeader: string;
  /**
   * token → claims of a token whose signature verifies (any other token is invalid); `exp`/`nbf` are
   * still checked against `now`. Ignored when `verifyToken` is given.
   */
  readonly validTokens?: Readonly<Record<string, { sub: string; iss?: string; exp?: number; nbf?: number }>>;
  /** The gateway's clock, in seconds since the epoch. @default the system clock */
  readonly now?: () => number;
  /** Verifies a token for real (the local stack: the synthesized jwtRules' JWKS). @default a lookup in `validTokens` */
  readonly verifyToken?: TokenVerifier;
  /** The mesh's ext_authz providers by name (mesh/istio/istio-operator.yaml). */
  readonly providers?: Readonly<Record<string, ExtAuthzHttpProvider>>;
  /** The ext_authz service behind every provider. @default one that refuses everything (403) */
  readonly extAuthz?: ExtAuthzService;
  /** The local rate limit filter's buckets. @default none: the filter lets everything through */
  readonly rateLimit?: RateLimitModel;
  /**
   * Other local rate limit filters' buckets, by Envoy filter name (the edge's per-address filter).
   * @default none: such a filter lets everything through
   */
  readonly rateLimits?: Readonly<Record<string, RateLimitModel>>;
  /**
   * meshConfig.defaultConfig.gatewayTopology.numTrustedProxies (the HCM's xff_num_trusted_hops).
   * @default 0
   */
  readonly numTrustedProxies?: number;
}

interface Exchange {
  readonly method: string;
  readonly path: string;
  readonly pathAndQuery: string;
  readonly query: URLSearchParams;
  readonly headers: Record<string, string>;
  route: HttpRoute | undefined;
  claims: VerifiedClaims | undefined;
  /** The HCM's trusted client address ({@link trustedClientAddress}). */
  readonly clientAddress: string;
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
  const chain = gatewayFilterChain(objects).filter((e) => e.kind !== undefined);
  const now = config.now ?? (() => Date.now() / 1000);
  const verify: TokenVerifier =
    config.verifyToken ??
    ((token) => {
      const valid = config.validTokens?.[token];
      if (valid === undefined || !timeConstraintOk(valid, now())) return undefined;
      return { ...valid, sub: valid.sub, iss: valid.iss ?? config.issuer ?? '' };
    });

  /** The token jwt_authn finds for an issuer's rule, and where (a header to remove after verification). */
  const locate = (rule: JwtRule, exchange: Exchange): { token: string; header?: string } | undefined => {
    const fromHeaders =
      rule.fromHeaders ?? (rule.fromParams === undefined ? [{ name: 'Authorization', prefix: 'Bearer ' }] : []);
    const fromParams = rule.fromParams ?? (rule.fromHeaders === undefined ? ['access_token'] : []);
    for (const h of fromHeaders) {
      const value = exchange.headers[h.name.toLowerCase()];
      if (value !== undefined && value.startsWith(h.prefix ?? '')) {
        return { token: value.slice((h.prefix ?? '').length), header: h.name.toLowerCase() };
      }
    }
    for (const p of fromParams) {
      const value = exchange.query.get(p);
      if (value !== null) return { token: value };
    }
    return undefined;
  };

  const selectRoute = (exchange: Exchange): HttpRoute | undefined => {
    const { path, method, headers, claims } = exchange;
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

  const principalOf = (exchange: Exchange): string | undefined =>
    exchange.claims === undefined ? undefined : `${exchange.claims.iss}/${exchange.claims.sub}`;

  const denied = (exchange: Exchange): boolean =>
    denyRules.some((rule) => {
      // A source's fields are ANDed, the rule's sources ORed; notRequestPrincipals is the negation of
      // the same matcher (generator.go wraps it in not_id).
      const fromOk = (rule.from ?? [{ source: {} }]).some(
        ({ source }) =>
          (source.requestPrincipals === undefined ||
            source.requestPrincipals.some((p) => requestPrincipalMatches(p, exchange.claims))) &&
          (source.notRequestPrincipals === undefined ||
            !source.notRequestPrincipals.some((p) => requestPrincipalMatches(p, exchange.claims))),
      );
      const toOk = operationMatches(rule, exchange.method, exchange.path);
      const whenOk = (rule.when ?? []).every(({ key, values, notValues }) => {
        const claim = /^request\.auth\.claims((?:\[[^\]]+\])+)$/.exec(key)?.[1];
        if (claim !== undefined) return claimConditionMatches(claim, values, notValues, exchange.claims);
        if (notValues !== undefined) throw new Error(`model: notValues on ${key} is not modelled`);
        const header = /^request\.headers\[(.+)\]$/.exec(key)?.[1];
        if (header === undefined) throw new Error(`model: unsupported condition ${key}`);
        return (values ?? []).some((v) => stringMatches(v === '*' ? {} : { exact: v }, exchange.headers[header]));
      });
      return fromOk && toOk && whenOk;
    });

  /** Each filter: undefined continues the chain, an outcome ends it. */
  const run = async (
    entry: ChainEntry,
    exchange: Exchange,
    routeCacheCleared: boolean,
  ): Promise<Outcome | undefined> => {
    const { headers, method, path } = exchange;
    switch (entry.kind) {
      case 'header_mutation':
        for (const h of entry.removes ?? []) delete headers[h];
        return undefined;
      case 'ext_authz': {
        for (const policy of customPolicies) {
          if (!(policy.rules ?? []).some((rule) => operationMatches(rule, method, path))) continue;
          const provider = config.providers?.[policy.provider.name];
          if (provider === undefined) throw new Error(`model: no ext_authz provider '${policy.provider.name}'`);
          const allowed = new Set([...(provider.includeRequestHeadersInCheck ?? []), ...ALWAYS_CHECKED]);
          const included = Object.fromEntries(
            [...allowed].filter((h) => headers[h] !== undefined).map((h) => [h, headers[h]!]),
          );
          const refuseAll: ExtAuthzService = () => ({ status: 403 });
          const answer = await (config.extAuthz ?? refuseAll)(
            { method, path: `${provider.pathPrefix ?? ''}${exchange.pathAndQuery}`, headers: included },
            provider,
          );
          if (answer.status !== 200) {
            const passed = new Set(provider.headersToDownstreamOnDeny ?? []);
            const toClient = Object.entries(answer.headers ?? {}).filter(([h]) => passed.has(h));
            return {
              by: 'ext_authz',
              status: answer.status,
              ...(answer.body === undefined ? {} : { body: answer.body }),
              ...(toClient.length === 0 ? {} : { headers: Object.fromEntries(toClient) }),
            };
          }
          for (const h of provider.headersToUpstreamOnAllow ?? []) {
            const value = answer.headers?.[h];
            if (value !== undefined) headers[h] = value;
          }
        }
        return undefined;
      }
      case 'jwt_authn': {
        if (entry.config !== undefined) {
          const status = await envoyJwtAuthn(entry.config as unknown as JwtAuthnConfig, exchange, verify, now());
          return status === 'Ok' ? undefined : { by: 'jwt_authn', status: 401, body: 'Jwt verification fails' };
        }
        // Each rule looks for its own locations; a token found anywhere must verify (Istio: one
        // provider per rule, a found-but-invalid token is a 401). A CORS preflight is let through.
        if (method === 'OPTIONS' && headers.origin !== undefined) return undefined;
        const found = jwtRules.map((rule) => locate(rule, exchange)).filter((f) => f !== undefined);
        for (const { token, header } of found) {
          const claims = await verify(token);
          if (claims === undefined || !jwtRules.some((r) => r.issuer === claims.iss)) {
            // Envoy's jwt_authn local reply (source/extensions/filters/http/jwt_authn/filter.cc).
            return { by: 'jwt_authn', status: 401, body: 'Jwt verification fails' };
          }
          exchange.claims = claims;
          if (header !== undefined) delete headers[header];
        }
        if (exchange.claims !== undefined) {
          headers[config.identityHeader] = exchange.claims.sub;
          if (routeCacheCleared) exchange.route = selectRoute(exchange);
        }
        return undefined;
      }
      case 'rbac':
        // Envoy's RBAC filter's local reply (source/extensions/filters/http/rbac/rbac_filter.cc).
        return denied(exchange) ? { by: 'rbac', status: 403, body: 'RBAC: access denied' } : undefined;
      case 'local_ratelimit': {
        const limiter =
          config.rateLimits?.[entry.envoyName] ??
          (entry.envoyName === 'envoy.filters.http.local_ratelimit' ? config.rateLimit : undefined);
        const facts = { clientAddress: exchange.clientAddress, method, path: exchange.pathAndQuery };
        return limiter === undefined || limiter.take(headers, facts)
          ? undefined
          : { by: 'local_ratelimit', status: 429 };
      }
      case 'router': {
        const { route } = exchange;
        if (route === undefined) return { by: 'router', status: 404 };
        if (route.directResponse !== undefined) {
          const body = route.directResponse.body?.string;
          return {
            by: 'router',
            status: route.directResponse.status,
            route: route.name,
            ...(body === undefined ? {} : { body }),
          };
        }
        for (const h of route.headers?.request?.remove ?? []) delete headers[h.toLowerCase()];
        return { by: 'upstream', route: route.name, principal: principalOf(exchange), headers };
      }
      default:
        return undefined;
    }
  };

  return {
    order: chain.map((e) => e.kind!),
    async send(request, options = {}) {
      const [path = '', query = ''] = request.path.split('?');
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(request.headers ?? {})) headers[k.toLowerCase()] = v;
      const peer = request.remoteAddress ?? '192.0.2.1';
      const clientAddress = trustedClientAddress(headers['x-forwarded-for'], peer, config.numTrustedProxies ?? 0);
      const exchange: Exchange = {
        clientAddress,
        method: request.method,
        path,
        pathAndQuery: request.path,
        query: new URLSearchParams(query),
        headers,
        route: undefined,
        claims: undefined,
      };
      // The route as chosen from the request as it arrived, before any filter ran.
      exchange.route = selectRoute(exchange);
      for (const entry of chain) {
        const outcome = await run(entry, exchange, options.routeCacheCleared ?? true);
        if (outcome !== undefined) return outcome;
      }
      throw new Error('model: the chain has no router');
    },
  };
}

/**
 * The client address the gateway's HTTP connection manager trusts. Istio sets `use_remote_address:
 * true` on gateways and `xff_num_trusted_hops` from meshConfig.defaultConfig.gatewayTopology
 * .numTrustedProxies (pilot/pkg/networking/core/gateway.go@1.30.3, buildGatewayConnectionManager).
 * Envoy (source/common/http/conn_manager_utility.cc, mutateRequestHeaders): with N > 0 trusted hops
 * the address is the Nth from the right of x-forwarded-for as it arrived (getLastAddressFromXFF with
 * N - 1 skipped), the peer when the header has too few; with 0, always the peer.
 */
export function trustedClientAddress(xff: string | undefined, peer: string, trustedHops: number): string {
  if (trustedHops <= 0 || xff === undefined) return peer;
  const hops = xff.split(',').map((a) => a.trim());
  const candidate = hops[hops.length - trustedHops];
  return candidate === undefined || isIP(candidate) === 0 ? peer : candidate;
}

/**
 * An AuthorizationPolicy condition on `request.auth.claims[c]…` (`claimPath` is the bracketed part), as
 * Istio 1.30.3 builds it and Envoy evaluates it. Istio (pilot/pkg/security/authz/model/generator.go,
 * requestClaimGenerator.extendedPrincipal → util.go MetadataListValueMatcherForJWTClaims →
 * matcher/metadata.go MetadataListValueMatcher with useExtendedJwt) matches jwt_authn's `payload`
 * metadata at the claim's path with OR(list one_of(values), values), each value a string matcher
 * (matcher/string.go StringMatcherWithPrefix: `*` is the regex `.+`, `x*` a prefix, `*x` a suffix,
 * else exact); `notValues` is the negation of the same matcher (model.go, principalNot). Envoy's
 * matchers (source/common/common/matchers.cc): a string matcher matches only a string value, a list
 * matcher only a list, and a missing path yields an empty value that matches neither. So a claim that
 * is a number (`exp`, `iat`) never matches any value: present or absent alike.
 */
export function claimConditionMatches(
  claimPath: string,
  values: readonly string[] | undefined,
  notValues: readonly string[] | undefined,
  claims: VerifiedClaims | undefined,
): boolean {
  let value: unknown = claims;
  for (const key of claimPath.slice(1, -1).split('][')) {
    value = value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  }
  const stringMatch = (pattern: string, v: unknown): boolean => {
    if (typeof v !== 'string') return false;
    if (pattern === '*') return v.length > 0;
    if (pattern.startsWith('*')) return v.endsWith(pattern.slice(1));
    if (pattern.endsWith('*')) return v.startsWith(pattern.slice(0, -1));
    return v === pattern;
  };
  const matcher = (patterns: readonly string[]): boolean =>
    patterns.some((p) => stringMatch(p, value)) ||
    (Array.isArray(value) && value.some((item) => patterns.some((p) => stringMatch(p, item))));
  return (
    (values === undefined || matcher(values)) &&
    (notValues === undefined || notValues.length === 0 || !matcher(notValues))
  );
}

/**
 * Does an AuthorizationPolicy `requestPrincipals` value match the verified claims? As Istio 1.30.3
 * builds the matcher (pilot/pkg/security/authz/model/generator.go, requestPrincipalGenerator
 * .extendedPrincipal; the string matchers of pilot/pkg/security/authz/matcher/string.go): the value
 * splits at its LAST `/` into iss and sub, matched as two separate claims of jwt_authn's metadata, so
 * no token (no metadata) matches nothing. `*` alone is any non-empty iss and sub (regex `.+`); a
 * leading `*` makes iss a suffix match (`*` alone: any) with sub exact, or, without a `/`, sub a
 * suffix match with any iss; a trailing `*` makes sub a prefix match (`*` alone: any) with iss exact,
 * or, without a `/`, iss a prefix match with any sub; otherwise both are exact (no `/`: sub "").
 */
export function requestPrincipalMatches(value: string, claims: VerifiedClaims | undefined): boolean {
  if (claims === undefined) return false;
  const any = (v: string): boolean => v.length > 0;
  const idx = value.lastIndexOf('/');
  const found = idx >= 0;
  const iss = found ? value.slice(0, idx) : value;
  const sub = found ? value.slice(idx + 1) : '';
  let matchIss: (v: string) => boolean;
  let matchSub: (v: string) => boolean;
  if (value === '*') {
    matchIss = any;
    matchSub = any;
  } else if (value.startsWith('*')) {
    if (found) {
      matchIss = iss === '*' ? any : (v) => v.endsWith(iss.slice(1));
      matchSub = (v) => v === sub;
    } else {
      matchIss = any;
      matchSub = (v) => v.endsWith(value.slice(1));
    }
  } else if (value.endsWith('*')) {
    if (found) {
      matchIss = (v) => v === iss;
      matchSub = sub === '*' ? any : (v) => v.startsWith(sub.slice(0, -1));
    } else {
      matchIss = (v) => v.startsWith(value.slice(0, -1));
      matchSub = any;
    }
  } else {
    matchIss = (v) => v === iss;
    matchSub = (v) => v === sub;
  }
  return matchIss(claims.iss) && matchSub(claims.sub);
}
