import { Construct } from 'constructs';
import {
  EnvoyFilter,
  EnvoyFilterSpecConfigPatchesApplyTo,
  EnvoyFilterSpecConfigPatchesMatchContext,
  EnvoyFilterSpecConfigPatchesPatchOperation,
} from '../../imports/networking.istio.io.js';
import {
  AuthorizationPolicy,
  AuthorizationPolicySpecAction,
  RequestAuthentication,
} from '../../imports/security.istio.io.js';
import { IDENTITY_CLAIM } from '../token-required.js';

export interface GatewayAuthenticationProps {
  /** The ingress gateway's namespace: gateway-scoped policy lives beside the gateway workload. */
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly issuer: string;
  readonly audience: string;
  /** The public JWKS (JSON) the tokens are verified with. */
  readonly jwks: string;
  /** The header the verified `sub` claim is copied into. */
  readonly identityHeader: string;
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
 * JWT at the gateway: a RequestAuthentication that verifies tokens and copies `sub` into the
 * identity header, a DENY policy for requests to protected paths that carry an `Authorization`
 * header but no verified principal (a malformed or non-Bearer credential: 403), and an EnvoyFilter
 * that removes any client-supplied identity header first in the filter chain.
 *
 * Requests without any `Authorization` header pass the DENY policy on purpose: the ingress routes
 * answer them 401 (IngressRoutes), and forward only requests whose token jwt_authn verified. An
 * invalid token never gets that far: jwt_authn answers 401 itself.
 *
 * Why the EnvoyFilter: jwt_authn sanitises claim headers only where a verifier runs (envoyproxy/envoy
 * PR 46586: not for CORS preflights it bypasses, nor routes without requirements, before that fix),
 * and route-level header removal runs after jwt_authn, deleting the verified value too.
 */
export class GatewayAuthentication extends Construct {
  constructor(scope: Construct, id: string, props: GatewayAuthenticationProps) {
    super(scope, id);
    const base = props.name ?? 'shop';
    const namespace = props.namespace;
    const selector = { ...props.selector };
    new RequestAuthentication(this, 'request-authentication', {
      metadata: { name: `${base}-jwt`, namespace },
      spec: {
        selector: { matchLabels: selector },
        jwtRules: [
          {
            issuer: props.issuer,
            audiences: [props.audience],
            jwks: props.jwks,
            forwardOriginalToken: false,
            outputClaimToHeaders: [{ header: props.identityHeader, claim: IDENTITY_CLAIM }],
          },
        ],
      },
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
    new EnvoyFilter(this, 'strip-identity', {
      metadata: { name: `${base}-strip-client-identity`, namespace },
      spec: {
        workloadSelector: { labels: selector },
        configPatches: [
          {
            applyTo: EnvoyFilterSpecConfigPatchesApplyTo.HTTP_UNDERSCORE_FILTER,
            match: {
              context: EnvoyFilterSpecConfigPatchesMatchContext.GATEWAY,
              listener: { filterChain: { filter: { name: 'envoy.filters.network.http_connection_manager' } } },
            },
            patch: {
              operation: EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_FIRST,
              value: {
                name: 'mesh-kit.strip-client-identity',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.http.header_mutation.v3.HeaderMutation',
                  mutations: { request_mutations: [{ remove: props.identityHeader }] },
                },
              },
            },
          },
        ],
      },
    });
  }
}
