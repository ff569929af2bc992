import { Construct } from 'constructs';
import {
  EnvoyFilter,
  EnvoyFilterSpecConfigPatchesApplyTo,
  EnvoyFilterSpecConfigPatchesMatchContext,
  EnvoyFilterSpecConfigPatchesPatchOperation,
} from '../../imports/networking.istio.io.js';
import {
  gatewayHttpFilterPatch,
  HTTP_CONNECTION_MANAGER,
  localRateLimitConfig,
  tokenBucketConfig,
} from '../gateway-filters.js';
import type { TokenBucket } from '@mesh-kit/catalog';

/** A header the gateway sets from verified credentials only, and the descriptor key it becomes. */
export interface ClientHeader {
  readonly header: string;
  readonly descriptorKey: string;
}

export interface GatewayRateLimitProps {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** One bucket per distinct value of each client header (per gateway pod). */
  readonly perClient: TokenBucket;
  /** The bucket shared by requests that carry none of the client headers. */
  readonly anonymous: TokenBucket;
  /**
   * At most this many buckets per client header per pod (Envoy keeps one LRU per wildcard
   * descriptor); the least recently used is dropped (and restarts full).
   */
  readonly maxClients: number;
  /**
   * Headers naming a verified client. They must be set only by the gateway (jwt_authn's claim
   * header, the ext_authz allow headers) and stripped from clients, or a client could pick its bucket.
   */
  readonly clientHeaders: readonly ClientHeader[];
  /**
   * Name of the EnvoyFilter.
   * @default 'shop-local-ratelimit'
   */
  readonly name?: string;
}

/** The problem+json body of the gateway's own 429. */
export const TOO_MANY_REQUESTS_PROBLEM = {
  type: 'about:blank',
  title: 'Too Many Requests',
  status: 429,
  detail: 'The rate limit of this client was exceeded; retry later.',
} as const;

/**
 * Local rate limiting at the ingress gateway, per client. The filter sits just before the router,
 * after jwt_authn and ext_authz have set the client headers from verified credentials, and turns
 * each present header into a descriptor (`rate_limits` actions). A descriptor whose configured value
 * is empty is a wildcard: Envoy keeps one token bucket per distinct value ("dynamic descriptors",
 * an LRU of `max_dynamic_descriptors`). A request with no client header matches no descriptor and
 * takes the default bucket, the anonymous one; `always_consume_default_token_bucket: false` keeps
 * signed-in clients out of it, so an anonymous flood cannot starve them.
 *
 * A second patch gives the 429 a problem+json body (the HTTP connection manager's local reply
 * mapper, which rewrites only replies Envoy generates itself, never an upstream's 429).
 */
export class GatewayRateLimit extends Construct {
  constructor(scope: Construct, id: string, props: GatewayRateLimitProps) {
    super(scope, id);
    if (!(Number.isInteger(props.maxClients) && props.maxClients >= 1)) {
      throw new Error(`GatewayRateLimit: maxClients must be a whole number ≥ 1, got ${props.maxClients}`);
    }
    const hcm = HTTP_CONNECTION_MANAGER;
    new EnvoyFilter(this, 'envoy-filter', {
      metadata: { name: props.name ?? 'shop-local-ratelimit', namespace: props.namespace },
      spec: {
        workloadSelector: { labels: { ...props.selector } },
        configPatches: [
          gatewayHttpFilterPatch(
            EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_BEFORE,
            {
              name: 'envoy.filters.http.local_ratelimit',
              typed_config: localRateLimitConfig('http_local_rate_limiter', {
                token_bucket: tokenBucketConfig(props.anonymous),
                always_consume_default_token_bucket: false,
                max_dynamic_descriptors: props.maxClients,
                rate_limits: props.clientHeaders.map((c) => ({
                  actions: [{ request_headers: { header_name: c.header, descriptor_key: c.descriptorKey } }],
                })),
                descriptors: props.clientHeaders.map((c) => ({
                  entries: [{ key: c.descriptorKey, value: '' }],
                  token_bucket: tokenBucketConfig(props.perClient),
                })),
              }),
            },
            'envoy.filters.http.router',
          ),
          {
            applyTo: EnvoyFilterSpecConfigPatchesApplyTo.NETWORK_UNDERSCORE_FILTER,
            match: {
              context: EnvoyFilterSpecConfigPatchesMatchContext.GATEWAY,
              listener: { filterChain: { filter: { name: hcm } } },
            },
            patch: {
              operation: EnvoyFilterSpecConfigPatchesPatchOperation.MERGE,
              value: {
                typed_config: {
                  '@type':
                    'type.googleapis.com/envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
                  local_reply_config: {
                    mappers: [
                      {
                        filter: {
                          status_code_filter: {
                            comparison: { op: 'EQ', value: { default_value: 429, runtime_key: 'mesh_kit.local_429' } },
                          },
                        },
                        body_format_override: {
                          json_format: { ...TOO_MANY_REQUESTS_PROBLEM },
                          content_type: 'application/problem+json',
                        },
                      },
                    ],
                  },
                },
              },
            },
          },
        ],
      },
    });
  }
}
