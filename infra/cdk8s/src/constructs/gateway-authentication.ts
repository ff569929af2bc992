import { Construct } from 'constructs';
import { EnvoyFilter, EnvoyFilterSpecConfigPatchesPatchOperation } from '../../imports/networking.istio.io.js';
import { gatewayHttpFilterPatch } from '../gateway-filters.js';
import {
  AuthorizationPolicy,
  AuthorizationPolicySpecAction,
  RequestAuthentication,
  type RequestAuthenticationSpecJwtRules,
} from '../../imports/security.istio.io.js';
import type { JwtIssuer } from '@mesh-kit/catalog';
import { IDENTITY_CLAIM } from '../token-required.js';

export interface GatewayAuthenticationProps {
  /** The ingress gateway's namespace: gateway-scoped policy lives beside the gateway workload. */
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** The issuers whose tokens the gateway accepts. */
  readonly issuers: readonly JwtIssuer[];
  /** Public JWKS (JSON) by issuer id, for every issuer without a `jwksUri`. */
  readonly jwks: Readonly<Record<string, string>>;
  /** The header the verified `sub` claim is copied into. */
  readonly identityHeader: string;
  /**
   * Headers that only the gateway sets (the identity header, the API-key client headers): a
   * client's copy is removed before anything else runs.
   * @default [identityHeader]
   */
  readonly gatewaySetHeaders?: readonly string[];
  /**
   * Paths that require a valid JWT.
   * @default ['/api/*']
   */
  readonly protectedPaths?: readonly string[];
  /**
   * Paths under `protectedPaths` that anyone may GET without a token (AuthorizationPolicy path
   * templates such as `/api/products/{*}`): the DENY policy leaves their GETs alone, whatever
   * credentials they carry, and still judges every other method on them.
   * @default [] (none)
   */
  readonly publicGetPaths?: readonly string[];
  /**
   * Name prefix of the objects.
   * @default 'shop'
   */
  readonly name?: string;
}

/** Where tokens are read from: the Authorization header's Bearer credential only, never a query parameter. */
export const TOKEN_LOCATION = { fromHeaders: [{ name: 'Authorization', prefix: 'Bearer ' }] } as const;

/** Protected paths except public GETs: (protected and not public) or (public and not GET). */
function protectedOperations(
  protectedPaths: readonly string[],
  publicGetPaths: readonly string[],
): { operation: { paths: string[]; notPaths?: string[]; notMethods?: string[] } }[] {
  if (publicGetPaths.length === 0) return [{ operation: { paths: [...protectedPaths] } }];
  return [
    { operation: { paths: [...protectedPaths], notPaths: [...publicGetPaths] } },
    { operation: { paths: [...publicGetPaths], notMethods: ['GET'] } },
  ];
}

/**
 * JWT at the gateway: a RequestAuthentication that verifies tokens of each issuer (from the
 * `Authorization: Bearer` header only) and copies `sub` into the identity header, a DENY policy for
 * requests to protected paths that carry an `Authorization` header but no verified principal (a
 * malformed or non-Bearer credential: 403), and an EnvoyFilter that removes any client-supplied
 * copy of the gateway-set headers first in the filter chain.
 *
 * Requests without any `Authorization` header pass the DENY policy on purpose: the ingress routes
 * answer them 401 (IngressRoutes), and forward only requests whose token jwt_authn verified. An
 * invalid token never gets that far: jwt_authn answers 401 itself.
 *
 * Why the EnvoyFilter: jwt_authn sanitises claim headers only where a verifier runs (envoyproxy/envoy
 * PR 46586: not for CORS preflights it bypasses, nor routes without requirements, before that fix),
 * and route-level header removal runs after jwt_authn and ext_authz, deleting the verified value too.
 */
export class GatewayAuthentication extends Construct {
  constructor(scope: Construct, id: string, props: GatewayAuthenticationProps) {
    super(scope, id);
    const base = props.name ?? 'shop';
    const namespace = props.namespace;
    const selector = { ...props.selector };
    if (props.issuers.length === 0) throw new Error('GatewayAuthentication: no issuers');
    const jwtRules = props.issuers.map((issuer): RequestAuthenticationSpecJwtRules => {
      const inline = props.jwks[issuer.id];
      let keys: { jwks: string } | { jwksUri: string };
      if (issuer.jwksUri !== undefined) keys = { jwksUri: issuer.jwksUri };
      else if (inline !== undefined) keys = { jwks: inline };
      else throw new Error(`issuer '${issuer.id}' has neither a jwksUri in the catalog nor an inline JWKS`);
      return {
        issuer: issuer.issuer,
        audiences: [...issuer.audiences],
        ...keys,
        fromHeaders: TOKEN_LOCATION.fromHeaders.map((h) => ({ ...h })),
        forwardOriginalToken: false,
        outputClaimToHeaders: [{ header: props.identityHeader, claim: IDENTITY_CLAIM }],
      };
    });
    new RequestAuthentication(this, 'request-authentication', {
      metadata: { name: `${base}-jwt`, namespace },
      spec: { selector: { matchLabels: selector }, jwtRules },
    });
    new AuthorizationPolicy(this, 'require-jwt', {
      metadata: { name: `${base}-require-jwt`, namespace },
      spec: {
        selector: { matchLabels: selector },
        action: AuthorizationPolicySpecAction.DENY,
        rules: [
          {
            from: [{ source: { notRequestPrincipals: ['*'] } }],
            to: protectedOperations(props.protectedPaths ?? ['/api/*'], props.publicGetPaths ?? []),
            // `*` is Envoy's present_match: any value, the empty one included, counts as present.
            when: [{ key: 'request.headers[authorization]', values: ['*'] }],
          },
        ],
      },
    });
    // An issuer whose key lives in the cluster acts only as its own subjects. Istio splits each
    // principal at its last `/` into iss and sub and matches them as separate claims; a trailing `*`
    // is a prefix match of sub, `<iss>/*` any non-empty sub (istio/istio@1.30.3
    // pilot/pkg/security/authz/model/generator.go, requestPrincipalGenerator.extendedPrincipal).
    const confined = props.issuers.filter((issuer) => issuer.subjectPrefix !== undefined);
    if (confined.length > 0) {
      new AuthorizationPolicy(this, 'confine-subjects', {
        metadata: { name: `${base}-confine-issuer-subjects`, namespace },
        spec: {
          selector: { matchLabels: selector },
          action: AuthorizationPolicySpecAction.DENY,
          rules: confined.map((issuer) => {
            if (issuer.subjectPrefix === '' || /[*/]/.test(issuer.subjectPrefix!)) {
              throw new Error(
                `issuer '${issuer.id}': subjectPrefix '${issuer.subjectPrefix}' must be non-empty, without '*' or '/'`,
              );
            }
            return {
              from: [
                {
                  source: {
                    requestPrincipals: [`${issuer.issuer}/*`],
                    notRequestPrincipals: [`${issuer.issuer}/${issuer.subjectPrefix}*`],
                  },
                },
              ],
            };
          }),
        },
      });
    }
    const strip = [...new Set([props.identityHeader, ...(props.gatewaySetHeaders ?? [])])];
    new EnvoyFilter(this, 'strip-identity', {
      metadata: { name: `${base}-strip-client-identity`, namespace },
      spec: {
        workloadSelector: { labels: selector },
        configPatches: [
          gatewayHttpFilterPatch(EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_FIRST, {
            name: 'mesh-kit.strip-client-identity',
            typed_config: {
              '@type': 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation',
              mutations: { request_mutations: strip.map((header) => ({ remove: header })) },
            },
          }),
        ],
      },
    });
  }
}
