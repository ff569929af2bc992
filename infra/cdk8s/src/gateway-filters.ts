import type { TokenBucket } from '@mesh-kit/catalog';
import {
  EnvoyFilterSpecConfigPatchesApplyTo,
  EnvoyFilterSpecConfigPatchesMatchContext,
  type EnvoyFilterSpecConfigPatches,
  type EnvoyFilterSpecConfigPatchesPatchOperation,
} from '../imports/networking.istio.io.js';

/** The HTTP connection manager, the network filter whose HTTP filter list the gateway patches. */
export const HTTP_CONNECTION_MANAGER = 'envoy.filters.network.http_connection_manager';

/**
 * An EnvoyFilter patch of the ingress gateway's HTTP filter list: `value` goes in by `operation`,
 * next to `subFilter` when one is named (Istio's patchHTTPFilters,
 * pilot/pkg/networking/core/envoyfilter/listener_patch.go @ 1.30.3).
 */
export function gatewayHttpFilterPatch(
  operation: EnvoyFilterSpecConfigPatchesPatchOperation,
  value: Record<string, unknown>,
  subFilter?: string,
): EnvoyFilterSpecConfigPatches {
  return {
    applyTo: EnvoyFilterSpecConfigPatchesApplyTo.HTTP_UNDERSCORE_FILTER,
    match: {
      context: EnvoyFilterSpecConfigPatchesMatchContext.GATEWAY,
      listener: {
        filterChain: {
          filter: {
            name: HTTP_CONNECTION_MANAGER,
            ...(subFilter === undefined ? {} : { subFilter: { name: subFilter } }),
          },
        },
      },
    },
    patch: { operation, value },
  };
}

/** A catalog token bucket as Envoy's TokenBucket. */
export const tokenBucketConfig = (b: TokenBucket): Record<string, unknown> => ({
  max_tokens: b.maxTokens,
  tokens_per_fill: b.tokensPerFill,
  fill_interval: `${b.fillIntervalMs / 1000}s`,
});

const ALWAYS = { runtime_key: '', default_value: { numerator: 100, denominator: 'HUNDRED' } };

/**
 * A local_ratelimit filter's typed_config, enabled and enforced for every request, answering 429
 * with `x-local-rate-limit: true`; `limits` holds its buckets, descriptors and rate_limits.
 */
export function localRateLimitConfig(statPrefix: string, limits: Record<string, unknown>): Record<string, unknown> {
  return {
    '@type': 'type.googleapis.com/envoy.extensions.filters.http.local_ratelimit.v3.LocalRateLimit',
    stat_prefix: statPrefix,
    status: { code: 'TooManyRequests' },
    ...limits,
    filter_enabled: ALWAYS,
    filter_enforced: ALWAYS,
    response_headers_to_add: [
      { append_action: 'OVERWRITE_IF_EXISTS_OR_ADD', header: { key: 'x-local-rate-limit', value: 'true' } },
    ],
  };
}
