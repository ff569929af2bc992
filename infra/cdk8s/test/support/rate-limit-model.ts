/**
 * A model of Envoy's local rate limit filter over the synthesized EnvoyFilter: `rate_limits`
 * actions turn request headers into descriptors (a `request_headers` action yields nothing when its
 * header is absent, so the whole descriptor is skipped); a configured descriptor whose entry value
 * is empty matches any value and keeps a bucket per value (dynamic descriptors); a request that
 * matches no descriptor takes the default bucket, and with `always_consume_default_token_bucket:
 * false` only such a request does. Buckets are not refilled here: the model counts a burst.
 * It is a model: only a cluster (`make verify`) proves Envoy behaves so.
 */
import type { KubeObject } from './shop.js';

interface Bucket {
  max_tokens: number;
  tokens_per_fill: number;
  fill_interval: string;
}
interface LocalRateLimit {
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

export function rateLimitModel(objects: readonly KubeObject[]): RateLimitModel {
  const filter = objects.find((o) => o.kind === 'EnvoyFilter' && JSON.stringify(o.spec).includes('local_ratelimit'));
  const patches = (filter?.spec as { configPatches: { patch: { value: { name?: string; typed_config: unknown } } }[] })
    .configPatches;
  const config = patches.find((p) => p.patch.value.name === 'envoy.filters.http.local_ratelimit')!.patch.value
    .typed_config as LocalRateLimit;
  const capacity = new Map<string, number>();
  const tokens = new Map<string, number>();

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
      capacity.set(key, descriptor.token_bucket.max_tokens);
      matched.push(key);
    }
    const useDefault = matched.length === 0 || config.always_consume_default_token_bucket !== false;
    if (useDefault) capacity.set('default', config.token_bucket.max_tokens);
    return useDefault ? [...matched, 'default'] : matched;
  };

  return {
    config,
    bucketsOf,
    take(headers) {
      const buckets = bucketsOf(headers);
      const left = buckets.map((b) => tokens.get(b) ?? capacity.get(b)!);
      if (left.some((n) => n <= 0)) return false;
      buckets.forEach((b, i) => tokens.set(b, left[i]! - 1));
      return true;
    },
  };
}
