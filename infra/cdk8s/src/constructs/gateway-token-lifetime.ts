import { Construct } from 'constructs';
import { EnvoyFilter, EnvoyFilterSpecConfigPatchesPatchOperation } from '../../imports/networking.istio.io.js';
import { gatewayHttpFilterPatch } from '../gateway-filters.js';
import type { JwtIssuer } from '@mesh-kit/catalog';
import { TOKEN_LOCATION } from './gateway-authentication.js';

export interface GatewayTokenLifetimeProps {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** Every issuer the gateway's RequestAuthentication accepts, each with its `maxLifetimeSeconds`. */
  readonly issuers: readonly JwtIssuer[];
  /** Public JWKS (JSON) by issuer id: the same text the RequestAuthentication carries. */
  readonly jwks: Readonly<Record<string, string>>;
  /**
   * Seconds added to each issuer's `maxLifetimeSeconds`, for an issuer whose clock runs ahead of the
   * gateway's (Envoy's own default clock skew for `exp`/`nbf`, jwt_verify kClockSkewInSecond).
   * @default 60
   */
  readonly clockSkewSeconds?: number;
  /**
   * Name of the EnvoyFilter.
   * @default 'shop-token-lifetime'
   */
  readonly name?: string;
}

/** The Envoy filter name of the lifetime check (what the gateway model and a config dump show). */
export const TOKEN_LIFETIME_FILTER = 'mesh-kit.jwt-lifetime';
/** Istio's own jwt_authn filter (pilot/pkg/xds/filters/filters.go@1.30.3, EnvoyJwtFilterName). */
export const ISTIO_JWT_FILTER = 'envoy.filters.http.jwt_authn';

/** The provider name of an issuer in the lifetime filter (our own names: Istio's `origins-<i>` are never touched). */
export const lifetimeProvider = (issuer: JwtIssuer): string => `lifetime-${issuer.id}`;

/**
 * Envoy fetches a jwksUri issuer's keys itself, through the gateway's cluster for the JWKS host, as
 * Istio's own remote-JWKS mode names it (policy_applier.go@1.30.3, convertToEnvoyJwtConfig:
 * `outbound|<port>||<host>` from model.BuildSubsetKey, a 5 s timeout, keys cached 5 minutes). The
 * cluster exists only for a host in the mesh's registry: an outside identity provider needs a
 * ServiceEntry for its JWKS host (docs/operations.md).
 */
export function remoteJwks(jwksUri: string): Record<string, unknown> {
  const url = new URL(jwksUri);
  const port = url.port !== '' ? Number(url.port) : url.protocol === 'https:' ? 443 : 80;
  return {
    http_uri: { uri: jwksUri, cluster: `outbound|${port}||${url.hostname}`, timeout: '5s' },
    cache_duration: '300s',
  };
}

type Requirement =
  | { provider_name: string }
  | { allow_missing: Record<string, never> }
  | { requires_any: { requirements: Requirement[] } }
  | { requires_all: { requirements: Requirement[] } };

/**
 * Istio's requirement for these providers, built as convertToEnvoyJwtConfig builds it
 * (pilot/pkg/security/authn/policy_applier.go@1.30.3): one provider → any of {it, allow_missing};
 * several → any of {P1, P2, …, all of {any of {P1, allow_missing}, any of {P2, allow_missing}, …}}.
 * A token, if present, must verify with one of them; a request without one passes.
 */
export function requirementOf(providers: readonly string[]): Requirement {
  const inner = providers.map((name): Requirement => ({
    requires_any: { requirements: [{ provider_name: name }, { allow_missing: {} }] },
  }));
  if (inner.length === 1) return inner[0]!;
  return {
    requires_any: {
      requirements: [...providers.map((name) => ({ provider_name: name })), { requires_all: { requirements: inner } }],
    },
  };
}

/**
 * Tokens must carry `exp` and may not outlive their issuer's `maxLifetimeSeconds`. Istio 1.30's
 * RequestAuthentication has no field for it (istio/api#3728) and accepts a token without `exp`
 * (istio/istio#59200); an AuthorizationPolicy cannot see `exp` either (docs/security.md, "Token
 * lifetime"). So this EnvoyFilter inserts a jwt_authn filter of its own just before Istio's, with one
 * provider per issuer carrying Envoy's `max_lifetime`: it refuses (401) a token without `exp` and one
 * whose `exp - now` is not below the maximum (envoyproxy/envoy
 * source/extensions/filters/http/jwt_authn/jwks_cache.cc, JwksDataImpl::isLifetimeAllowed; checked
 * in authenticator.cc, startVerify, as JwtVerificationFail). It is a filter of its own, not a MERGE
 * into Istio's providers, whose names depend on every RequestAuthentication in the mesh.
 *
 * It mirrors Istio's requirement (pilot/pkg/security/authn/policy_applier.go@1.30.3,
 * convertToEnvoyJwtConfig: {@link requirementOf}; CORS preflights bypassed), so a request without a
 * token passes here as it does in Istio's filter, and it only
 * reads: `forward: true` leaves the token for Istio's filter, and it writes no headers and no
 * metadata. An issuer with a `jwksUri` gets {@link remoteJwks}.
 */
export class GatewayTokenLifetime extends Construct {
  constructor(scope: Construct, id: string, props: GatewayTokenLifetimeProps) {
    super(scope, id);
    if (props.issuers.length === 0) throw new Error('GatewayTokenLifetime: no issuers');
    const skew = props.clockSkewSeconds ?? 60;
    const providers: Record<string, unknown> = {};
    for (const issuer of props.issuers) {
      if (!(Number.isInteger(issuer.maxLifetimeSeconds) && issuer.maxLifetimeSeconds > 0)) {
        throw new Error(
          `issuer '${issuer.id}': maxLifetimeSeconds must be a whole number of seconds > 0, got ${issuer.maxLifetimeSeconds}`,
        );
      }
      let keys: Record<string, unknown>;
      if (issuer.jwksUri !== undefined) keys = { remote_jwks: remoteJwks(issuer.jwksUri) };
      else {
        const jwks = props.jwks[issuer.id];
        if (jwks === undefined) throw new Error(`issuer '${issuer.id}' has neither a jwksUri nor an inline JWKS`);
        keys = { local_jwks: { inline_string: jwks } };
      }
      providers[lifetimeProvider(issuer)] = {
        issuer: issuer.issuer,
        audiences: [...issuer.audiences],
        ...keys,
        from_headers: TOKEN_LOCATION.fromHeaders.map((h) => ({ name: h.name, value_prefix: h.prefix })),
        forward: true,
        max_lifetime: `${issuer.maxLifetimeSeconds + skew}s`,
      };
    }
    new EnvoyFilter(this, 'envoy-filter', {
      metadata: { name: props.name ?? 'shop-token-lifetime', namespace: props.namespace },
      spec: {
        workloadSelector: { labels: { ...props.selector } },
        configPatches: [
          gatewayHttpFilterPatch(
            EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_BEFORE,
            {
              name: TOKEN_LIFETIME_FILTER,
              typed_config: {
                '@type': 'type.googleapis.com/envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
                providers,
                rules: [{ match: { prefix: '/' }, requires: requirementOf(props.issuers.map(lifetimeProvider)) }],
                bypass_cors_preflight: true,
              },
            },
            ISTIO_JWT_FILTER,
          ),
        ],
      },
    });
  }
}
