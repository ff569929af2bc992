import { Construct } from 'constructs';
import {
  EnvoyFilter,
  EnvoyFilterSpecConfigPatchesApplyTo,
  EnvoyFilterSpecConfigPatchesMatchContext,
  EnvoyFilterSpecConfigPatchesPatchOperation,
} from '../../imports/networking.istio.io.js';

export interface GatewayRateLimitProps {
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  /** Token bucket per gateway pod. */
  readonly maxTokens: number;
  readonly tokensPerFill: number;
  readonly fillIntervalMs: number;
  /**
   * Name of the EnvoyFilter.
   * @default 'shop-local-ratelimit'
   */
  readonly name?: string;
}

/** Local rate limiting at the ingress gateway: beyond the bucket, Envoy answers 429 itself. */
export class GatewayRateLimit extends Construct {
  constructor(scope: Construct, id: string, props: GatewayRateLimitProps) {
    super(scope, id);
    const always = { runtime_key: '', default_value: { numerator: 100, denominator: 'HUNDRED' } };
    new EnvoyFilter(this, 'envoy-filter', {
      metadata: { name: props.name ?? 'shop-local-ratelimit', namespace: props.namespace },
      spec: {
        workloadSelector: { labels: { ...props.selector } },
        configPatches: [
          {
            applyTo: EnvoyFilterSpecConfigPatchesApplyTo.HTTP_UNDERSCORE_FILTER,
            match: {
              context: EnvoyFilterSpecConfigPatchesMatchContext.GATEWAY,
              listener: {
                filterChain: {
                  filter: {
                    name: 'envoy.filters.network.http_connection_manager',
                    subFilter: { name: 'envoy.filters.http.router' },
                  },
                },
              },
            },
            patch: {
              operation: EnvoyFilterSpecConfigPatchesPatchOperation.INSERT_UNDERSCORE_BEFORE,
              value: {
                name: 'envoy.filters.http.local_ratelimit',
                typed_config: {
                  '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
                  stat_prefix: 'http_local_rate_limiter',
                  status: { code: 'TooManyRequests' },
                  token_bucket: {
                    max_tokens: props.maxTokens,
                    tokens_per_fill: props.tokensPerFill,
                    fill_interval: `${props.fillIntervalMs / 1000}s`,
                  },
                  filter_enabled: always,
                  filter_enforced: always,
                  response_headers_to_add: [
                    {
                      append_action: 'OVERWRITE_IF_EXISTS_OR_ADD',
                      header: { key: 'x-local-rate-limit', value: 'true' },
                    },
                  ],
                },
              },
            },
          },
        ],
      },
    });
  }
}
