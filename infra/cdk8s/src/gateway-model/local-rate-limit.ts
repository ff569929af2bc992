/**
 * @models Envoy's HTTP local rate limit filter (envoy.filters.http.local_ratelimit)
 *
 * A model of that filter over the synthesized EnvoyFilter. Envoy at the version Istio 1.30.3's proxy
 * pins (istio/proxy@81864a1, WORKSPACE: envoyproxy/envoy@4f1e006, ENVOY_VERSION.txt 1.38.4-dev);
 * that commit is not in the stored snapshot, so each rule was read from the nearest stored versions of
 * the same files, which agree on every rule below (docs/testing.md, "Models and what they imitate"):
 *
 * - F: source/extensions/filters/http/local_ratelimit/local_ratelimit.cc
 * - L: source/extensions/filters/common/local_ratelimit/local_ratelimit_impl.cc
 * - T: source/common/common/token_bucket_impl.cc (AtomicTokenBucketImpl)
 * - A: source/extensions/filters/common/ratelimit_config (RequestHeadersAction, as router_ratelimit.cc)
 *
 * Not modelled (the model throws where the config would need them): route or virtual-host
 * `rate_limits`, actions other than `request_headers`, `local_rate_limit_per_downstream_connection`
 * (F: a limiter per connection), `local_cluster_rate_limit` (share factor), fractional
 * `filter_enabled`/`filter_enforced`, `hits_addend`, shadow mode, x-ratelimit headers. It is a model:
 * only a cluster (`make verify`) proves Envoy behaves so.
 */
import type { KubeObject } from './kube-object.js';

interface Bucket {
  max_tokens: number;
  tokens_per_fill?: number;
  fill_interval?: string;
}
interface Percent {
  default_value: { numerator: number; denominator?: string };
}
interface LocalRateLimit {
  token_bucket?: Bucket;
  always_consume_default_token_bucket?: boolean;
  max_dynamic_descriptors?: number;
  local_rate_limit_per_downstream_connection?: boolean;
  local_cluster_rate_limit?: unknown;
  filter_enabled?: Percent;
  filter_enforced?: Percent;
  rate_limits?: {
    actions: {
      request_headers?: { header_name: string; descriptor_key: string; skip_if_absent?: boolean };
      remote_address?: Record<string, never>;
      header_value_match?: {
        descriptor_key?: string;
        descriptor_value: string;
        expect_match?: boolean;
        headers: HeaderMatcher[];
      };
    }[];
  }[];
  descriptors?: { entries: { key: string; value: string }[]; token_bucket: Bucket }[];
}

/** An Envoy route HeaderMatcher, the forms the model knows. */
interface HeaderMatcher {
  name: string;
  present_match?: boolean;
  string_match?: { exact?: string; prefix?: string; safe_regex?: { regex: string } };
}

/** What the filter knows of a request besides its headers (the HCM's trusted client address, the pseudo-headers). */
export interface RequestFacts {
  /** The trusted client address (the HCM's, from the peer and x-forwarded-for). */
  readonly clientAddress?: string;
  readonly method?: string;
  /** `:path`: the path with its query. */
  readonly path?: string;
}

/** What the filter does with one request. */
export type RateLimitDecision = 'allowed' | 'limited' | 'counted-not-enforced' | 'filter-disabled';

export interface RateLimitModel {
  readonly config: LocalRateLimit;
  /**
   * The buckets a request (headers after authentication) would take a token from, in the order
   * Envoy consumes them: matched descriptors by fill rate, then `default` when it is consulted.
   */
  bucketsOf(headers: Readonly<Record<string, string>>, facts?: RequestFacts): string[];
  /** Sends one request: false when Envoy answers 429. */
  take(headers: Readonly<Record<string, string>>, facts?: RequestFacts): boolean;
  /** Sends one request and says what the filter did. */
  decide(headers: Readonly<Record<string, string>>, facts?: RequestFacts): RateLimitDecision;
  /** Moves the model's clock forward (buckets refill meanwhile); only without a clock of its own. */
  advance(ms: number): void;
}

/**
 * Envoy's HeaderUtility::matchHeaders for one matcher (source/common/http/header_utility.cc): the
 * pseudo-headers `:path` (with the query) and `:method` are headers too; `present_match: false`
 * matches an absent header; a string matcher needs the header present (RE2 regexes match whole).
 */
function headerMatches(m: HeaderMatcher, headers: Readonly<Record<string, string>>, facts: RequestFacts): boolean {
  const name = m.name.toLowerCase();
  const value = name === ':path' ? facts.path : name === ':method' ? facts.method : headers[name];
  if (m.present_match !== undefined) return (value !== undefined) === m.present_match;
  const s = m.string_match;
  if (s === undefined) throw new Error(`model: header matcher on ${m.name} is not modelled`);
  if (value === undefined) return false;
  if (s.exact !== undefined) return value === s.exact;
  if (s.prefix !== undefined) return value.startsWith(s.prefix);
  if (s.safe_regex !== undefined) return new RegExp(`^(?:${s.safe_regex.regex})$`).test(value);
  throw new Error(`model: string matcher on ${m.name} is not modelled`);
}

/** A protobuf Duration in JSON ("1s", "0.5s") in milliseconds. */
const durationMs = (d: string | undefined): number => {
  if (d === undefined) return 0;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(d);
  if (m === null) throw new Error(`model: not a Duration: ${d}`);
  return Number(m[1]) * 1000;
};

/** F (FilterConfig): a fractional percent; absent means the filter is disabled / not enforced. */
const percentOn = (p: Percent | undefined, field: string): boolean => {
  if (p === undefined) return false;
  const { numerator, denominator = 'HUNDRED' } = p.default_value;
  if (denominator === 'HUNDRED' && (numerator === 100 || numerator === 0)) return numerator === 100;
  throw new Error(`model: only 0 % or 100 % ${field} is modelled`);
};

/**
 * T: a token bucket that starts full and refills continuously at tokens_per_fill / fill_interval,
 * up to max_tokens; a request needs one whole token. L: fill intervals under 50 ms are rejected.
 */
class TokenBucket {
  private tokens: number;
  private at: number;
  readonly rate: number;
  constructor(
    readonly max: number,
    b: Bucket,
    now: number,
  ) {
    const interval = durationMs(b.fill_interval);
    if (interval < 50) throw new Error('local rate limit token bucket fill timer must be >= 50ms');
    this.rate = (b.tokens_per_fill ?? 1) / interval; // tokens per ms (F, L: tokens_per_fill defaults to 1)
    this.tokens = max;
    this.at = now;
  }
  consume(now: number): boolean {
    this.tokens = Math.min(this.max, this.tokens + (now - this.at) * this.rate);
    this.at = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

/**
 * @param clock milliseconds on a monotonic clock (the local stack's gateway: `performance.now`).
 * @default none: time moves only by `advance`
 */
export function rateLimitModel(
  objects: readonly KubeObject[],
  clock?: () => number,
  filterName = 'envoy.filters.http.local_ratelimit',
): RateLimitModel {
  const patches = objects
    .filter((o) => o.kind === 'EnvoyFilter')
    .flatMap(
      (o) =>
        (o.spec as { configPatches?: { patch: { value?: { name?: string; typed_config?: unknown } } }[] })
          .configPatches ?? [],
    );
  const found = patches.find((p) => p.patch.value?.name === filterName);
  if (found === undefined) throw new Error(`model: no EnvoyFilter adds the HTTP filter ${filterName}`);
  const config = found.patch.value!.typed_config as LocalRateLimit;
  if (config.local_rate_limit_per_downstream_connection === true) {
    throw new Error('model: local_rate_limit_per_downstream_connection (a limiter per connection) is not modelled');
  }
  if (config.local_cluster_rate_limit !== undefined) throw new Error('model: local_cluster_rate_limit is not modelled');
  const enabled = percentOn(config.filter_enabled, 'filter_enabled');
  const enforced = percentOn(config.filter_enforced, 'filter_enforced');
  // F: max_dynamic_descriptors defaults to 20; always_consume_default_token_bucket to true.
  const lruSize = config.max_dynamic_descriptors ?? 20;
  const alwaysConsumeDefault = config.always_consume_default_token_bucket ?? true;
  const descriptors = config.descriptors ?? [];

  const start = clock?.() ?? 0;
  let advanced = 0;
  let now = 0;
  const tick = (): void => {
    now = clock === undefined ? advanced : clock() - start;
  };
  // L: no default bucket when its fill interval is 0 (then a request that matches nothing passes).
  const defaultBucket =
    config.token_bucket !== undefined && durationMs(config.token_bucket.fill_interval) > 0
      ? new TokenBucket(config.token_bucket.max_tokens, config.token_bucket, now)
      : undefined;
  // L: a descriptor with an empty entry value is a wildcard: one bucket per distinct request
  // descriptor, in an LRU of max_dynamic_descriptors (an evicted one comes back full).
  const staticBuckets = new Map<string, TokenBucket>();
  const dynamic = new Map<number, Map<string, TokenBucket>>();
  descriptors.forEach((d, i) => {
    if (d.entries.some((e) => e.value === '')) dynamic.set(i, new Map());
    else
      staticBuckets.set(
        d.entries.map((e) => `${e.key}=${e.value}`).join(','),
        new TokenBucket(d.token_bucket.max_tokens, d.token_bucket, now),
      );
  });

  /** A: each rate_limits entry yields one descriptor, or none when an action yields nothing. */
  const requestDescriptors = (
    headers: Readonly<Record<string, string>>,
    facts: RequestFacts,
  ): { key: string; value: string }[][] => {
    // F: descriptors are populated only when the filter has descriptors configured.
    if (descriptors.length === 0) return [];
    if (config.rate_limits === undefined) throw new Error('model: route-level rate_limits are not modelled');
    return config.rate_limits.flatMap((limit) => {
      const entries: { key: string; value: string }[] = [];
      for (const action of limit.actions) {
        // A (RemoteAddressAction): the trusted downstream address; none (not an IP) drops the descriptor.
        if (action.remote_address !== undefined) {
          if (facts.clientAddress === undefined) return [];
          entries.push({ key: 'remote_address', value: facts.clientAddress });
          continue;
        }
        // A (HeaderValueMatchAction): the entry when every matcher matches (or none, expect_match
        // false); otherwise no descriptor. descriptor_key defaults to `header_match`.
        const hv = action.header_value_match;
        if (hv !== undefined) {
          if (hv.headers.every((m) => headerMatches(m, headers, facts)) !== (hv.expect_match ?? true)) return [];
          entries.push({ key: hv.descriptor_key ?? 'header_match', value: hv.descriptor_value });
          continue;
        }
        const h = action.request_headers;
        if (h === undefined)
          throw new Error('model: only request_headers, remote_address and header_value_match are modelled');
        const value = headers[h.header_name.toLowerCase()];
        if (value === undefined) {
          if (h.skip_if_absent === true) continue;
          return [];
        }
        entries.push({ key: h.descriptor_key, value });
      }
      return [entries];
    });
  };

  /** L (requestAllowed): an exact static descriptor first, else the first wildcard descriptor that matches. */
  const match = (entries: { key: string; value: string }[]): { name: string; bucket: TokenBucket } | undefined => {
    const name = entries.map((e) => `${e.key}=${e.value}`).join(',');
    const exact = staticBuckets.get(name);
    if (exact !== undefined) return { name, bucket: exact };
    const i = descriptors.findIndex(
      (d, j) =>
        dynamic.has(j) &&
        d.entries.length === entries.length &&
        d.entries.every((e, k) => e.key === entries[k]!.key && (e.value === '' || e.value === entries[k]!.value)),
    );
    if (i < 0) return undefined;
    const lru = dynamic.get(i)!;
    let bucket = lru.get(name);
    if (bucket === undefined) {
      const d = descriptors[i]!;
      bucket = new TokenBucket(d.token_bucket.max_tokens, d.token_bucket, now);
      if (lru.size >= lruSize) lru.delete(lru.keys().next().value!);
    } else lru.delete(name);
    lru.set(name, bucket); // most recently used last
    return { name, bucket };
  };

  const plan = (
    headers: Readonly<Record<string, string>>,
    facts: RequestFacts = {},
  ): { name: string; bucket: TokenBucket | undefined }[] => {
    // L: matched descriptors are consumed in order of fill rate, the slowest first.
    const matched = requestDescriptors(headers, facts)
      .map(match)
      .filter((m) => m !== undefined)
      .sort((a, b) => a.bucket.rate - b.bucket.rate);
    // L: the default bucket only when nothing matched, or always when so configured.
    return matched.length === 0 || alwaysConsumeDefault
      ? [...matched, { name: 'default', bucket: defaultBucket }]
      : matched;
  };

  const decide = (headers: Readonly<Record<string, string>>, facts: RequestFacts = {}): RateLimitDecision => {
    if (!enabled) return 'filter-disabled';
    tick();
    // L: one bucket after another; a token taken from an earlier bucket is not given back when a
    // later one is empty.
    const allowed = plan(headers, facts).every(({ bucket }) => bucket === undefined || bucket.consume(now));
    if (allowed) return 'allowed';
    return enforced ? 'limited' : 'counted-not-enforced';
  };

  return {
    config,
    bucketsOf: (headers, facts) => plan(headers, facts).map((p) => p.name),
    take: (headers, facts) => decide(headers, facts) !== 'limited',
    decide,
    advance(ms) {
      if (clock !== undefined) throw new Error('model: this rate limit model follows its own clock');
      advanced += ms;
    },
  };
}
