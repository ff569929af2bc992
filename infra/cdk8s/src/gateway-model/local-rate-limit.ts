/**
 * A model of Envoy's local rate limit filter over the synthesized EnvoyFilter (envoyproxy/envoy
 * source/extensions/filters/http/local_ratelimit/local_ratelimit.cc and
 * source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc, the versions Istio 1.30
 * ships): `rate_limits` actions turn request headers into descriptors (a `request_headers` action
 * yields nothing when its header is absent, so the whole descriptor is skipped); a configured
 * descriptor whose entry value is empty matches any value and keeps a bucket per value (dynamic
 * descriptors); a request that matches no descriptor takes the default bucket, and with
 * `always_consume_default_token_bucket: false` only such a request does. Each bucket starts full
 * (`max_tokens`) and gains `tokens_per_fill` every `fill_interval`, up to `max_tokens`; with no clock
 * given, time stands still and the model counts a burst. Not modelled: the LRU eviction beyond
 * `max_dynamic_descriptors`, per-connection buckets, runtime fractions (the shop enables 100 %).
 * It is a model: only a cluster (`make verify`) proves Envoy behaves so.
 */
import type { KubeObject } from './kube-object.js';

interface Bucket {
  max_tokens: number;
  tokens_per_fill: number;
  fill_interval: string;
}
export interface LocalRateLimit {
  token_bucket: Bucket;
  always_consume_default_token_bucket?: boolean;
  max_dynamic_descriptors?: number;
  rate_limits?: { actions: { request_headers?: { header_name: string; descriptor_key: string } }[] }[];
  descriptors?: { entries: { key: string; value: string }[]; token_bucket: Bucket }[];
}

export interface RateLimitModel {
  readonly config: LocalRateLimit;
  /** The buckets a request (headers after authentication) takes a token from. */
  bucketsOf(headers: Readonly<Record<string, string>>): string[];
  /** Sends one request: false when any of its buckets is empty (Envoy answers 429). */
  take(headers: Readonly<Record<string, string>>): boolean;
}

const seconds = (duration: string): number => {
  const match = /^(\d+(?:\.\d+)?)s$/.exec(duration);
  if (match === null) throw new Error(`model: fill_interval '${duration}' is not a duration in seconds`);
  return Number(match[1]);
};

/** The local_ratelimit filter's config in the synthesized EnvoyFilters, if any. */
export function localRateLimitConfig(objects: readonly KubeObject[]): LocalRateLimit | undefined {
  for (const filter of objects.filter((o) => o.kind === 'EnvoyFilter')) {
    const patches = (filter.spec as { configPatches?: { patch: { value?: { typed_config?: unknown } } }[] })
      .configPatches;
    for (const p of patches ?? []) {
      const typed = p.patch.value?.typed_config as { '@type'?: string } | undefined;
      if (typed?.['@type']?.endsWith('.local_ratelimit.v3.LocalRateLimit') === true) return typed as LocalRateLimit;
    }
  }
  return undefined;
}

/**
 * @param now milliseconds on a monotonic clock (e.g. `performance.now`). @default a clock that
 * never moves: buckets are never refilled
 */
export function rateLimitModel(objects: readonly KubeObject[], now: () => number = () => 0): RateLimitModel {
  const config = localRateLimitConfig(objects);
  if (config === undefined) throw new Error('model: no local_ratelimit filter among the objects');
  const specs = new Map<string, Bucket>();
  const state = new Map<string, { tokens: number; at: number }>();

  const bucketsOf = (headers: Readonly<Record<string, string>>): string[] => {
    const generated = (config.rate_limits ?? []).flatMap((limit) => {
      const entries: { key: string; value: string }[] = [];
      for (const action of limit.actions) {
        const h = action.request_headers;
        if (h === undefined) throw new Error('model: only request_headers actions are modelled');
        const value = headers[h.header_name];
        if (value === undefined) return [];
        entries.push({ key: h.descriptor_key, value });
      }
      return [entries];
    });
    const matched: string[] = [];
    for (const entries of generated) {
      const descriptor = (config.descriptors ?? []).find(
        (d) =>
          d.entries.length === entries.length &&
          d.entries.every((e, i) => e.key === entries[i]!.key && (e.value === '' || e.value === entries[i]!.value)),
      );
      if (descriptor === undefined) continue;
      const key = entries.map((e) => `${e.key}=${e.value}`).join(',');
      specs.set(key, descriptor.token_bucket);
      matched.push(key);
    }
    const useDefault = matched.length === 0 || config.always_consume_default_token_bucket !== false;
    if (useDefault) specs.set('default', config.token_bucket);
    return useDefault ? [...matched, 'default'] : matched;
  };

  /** The bucket's tokens now: full when new, else refilled by the whole intervals since its last fill. */
  const tokensOf = (key: string): { tokens: number; at: number } => {
    const spec = specs.get(key)!;
    const t = now();
    const current = state.get(key) ?? { tokens: spec.max_tokens, at: t };
    const interval = seconds(spec.fill_interval) * 1000;
    const fills = Math.floor((t - current.at) / interval);
    if (fills <= 0) return current;
    return {
      tokens: Math.min(spec.max_tokens, current.tokens + fills * spec.tokens_per_fill),
      at: current.at + fills * interval,
    };
  };

  return {
    config,
    bucketsOf,
    take(headers) {
      const buckets = bucketsOf(headers);
      const current = buckets.map(tokensOf);
      if (current.some((b) => b.tokens <= 0)) {
        buckets.forEach((b, i) => state.set(b, current[i]!));
        return false;
      }
      buckets.forEach((b, i) => state.set(b, { tokens: current[i]!.tokens - 1, at: current[i]!.at }));
      return true;
    },
  };
}
