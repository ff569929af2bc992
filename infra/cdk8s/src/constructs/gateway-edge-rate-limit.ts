import { Construct } from 'constructs';
import { EnvoyFilter, EnvoyFilterSpecConfigPatchesPatchOperation } from '../../imports/networking.istio.io.js';
import type { ApiKeyRoute, TokenBucket } from '@mesh-kit/catalog';
import { pathRegex } from '../mesh-names.js';
import { gatewayHttpFilterPatch, localRateLimitConfig, tokenBucketConfig } from '../gateway-filters.js';

export interface GatewayEdgeRateLimitProps {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** One bucket per client address for requests without credentials. */
  readonly anonymous: TokenBucket;
  /** One bucket per client address for requests to API-key routes, credentials or not. */
  readonly apiKeyRoutes: TokenBucket;
  /** At most this many addresses per bucket kind per pod (Envoy's LRU of dynamic descriptors). */
  readonly maxAddresses: number;
  /** The catalog's API-key routes (public method and path). */
  readonly routes: readonly ApiKeyRoute[];
  /** The header API keys come in: a request with it, or with `Authorization`, has credentials. */
  readonly keyHeader: string;
  /**
   * Name of the EnvoyFilter.
   * @default 'shop-edge-ratelimit'
   */
  readonly name?: string;
}

/** The Envoy filter name of the per-address limiter. */
export const EDGE_RATE_LIMIT_FILTER = 'mesh-kit.edge-ratelimit';

/**
 * Per-address limits at the very front of the gateway's filter chain, before ext_authz: the checks
 * apikeys answers (one PostgreSQL query each for an unknown key) and anonymous browsing can then no
 * longer be driven without bound, and one address's flood no longer drains what other addresses get.
 *
 * A local_ratelimit filter inserted first (INSERT_FIRST; Istio applies it to the HTTP filter list
 * before its own filters run, pilot/pkg/networking/core/envoyfilter/listener_patch.go@1.30.3,
 * patchHTTPFilters). Its `rate_limits` give a request a descriptor of the trusted client address
 * (`remote_address`: the HCM's, from `numTrustedProxies`) tagged `edge=anonymous` when the request
 * carries neither `Authorization` nor the key header (`present_match: false`), or
 * `edge=api_key_route` when its method and `:path` are an API-key route's; each descriptor's address
 * is a wildcard, so each address gets its own bucket. Every other request (a token on a JWT route)
 * matches nothing and passes: there is no default bucket; the per-client filter before the router
 * limits it once jwt_authn has named the user.
 */
export class GatewayEdgeRateLimit extends Construct {
  constructor(scope: Construct, id: string, props: GatewayEdgeRateLimitProps) {
    super(scope, id);
    if (!(Number.isInteger(props.maxAddresses) && props.maxAddresses >= 1)) {
      throw new Error(`GatewayEdgeRateLimit: maxAddresses must be a whole number ≥ 1, got ${props.maxAddresses}`);
    }
    const anonymous = {
      actions: [
        {
          header_value_match: {
            descriptor_key: 'edge',
            descriptor_value: 'anonymous',
            expect_match: true,
            headers: [
              { name: 'authorization', present_match: false },
              { name: props.keyHeader, present_match: false },
            ],
          },
        },
        { remote_address: {} },
      ],
    };
    const apiKeyRoutes = props.routes.map((r) => ({
      actions: [
        {
          header_value_match: {
            descriptor_key: 'edge',
            descriptor_value: 'api_key_route',
            expect_match: true,
            headers: [
              { name: ':method', string_match: { exact: r.method } },
              // `:path` carries the query string too.
              { name: ':path', string_match: { safe_regex: { regex: `${pathRegex(r.path).slice(0, -1)}(\\?.*)?$` } } },
            ],
          },
        },
        { remote_address: {} },
      ],
    }));
    new EnvoyFilter(this, 'envoy-filter', {
      metadata: { name: props.name ?? 'shop-edge-ratelimit', namespace: props.namespace },
      spec: {
        workloadSelector: { labels: { ...props.selector } },
        configPatches: [
          gatewayHttpFilterPatch(EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_FIRST, {
            name: EDGE_RATE_LIMIT_FILTER,
            typed_config: localRateLimitConfig('http_edge_rate_limiter', {
              max_dynamic_descriptors: props.maxAddresses,
              rate_limits: [anonymous, ...apiKeyRoutes],
              descriptors: [
                {
                  entries: [
                    { key: 'edge', value: 'anonymous' },
                    { key: 'remote_address', value: '' },
                  ],
                  token_bucket: tokenBucketConfig(props.anonymous),
                },
                ...(apiKeyRoutes.length === 0
                  ? []
                  : [
                      {
                        entries: [
                          { key: 'edge', value: 'api_key_route' },
                          { key: 'remote_address', value: '' },
                        ],
                        token_bucket: tokenBucketConfig(props.apiKeyRoutes),
                      },
                    ]),
              ],
            }),
          }),
        ],
      },
    });
  }
}
