import { LRUCache } from 'lru-cache';
import type pg from 'pg';
import { hashApiKey } from '@mesh-kit/catalog/api-key';

/** An active key's client. */
export interface ApiClient {
  readonly name: string;
  readonly scopes: readonly string[];
}

export interface UnknownKeyCacheOptions {
  /**
   * How long a hash found in no active row is answered from memory.
   * @default 30_000 ms
   */
  readonly ttlMs?: number;
  /**
   * At most this many hashes are remembered; the least recently used goes first.
   * @default 10_000
   */
  readonly max?: number;
  /** The cache's clock in milliseconds. @default performance.now */
  readonly now?: () => number;
}

/**
 * Reads the api_keys table; keys are looked up by their hash only. A hash that matched no active key
 * is remembered for a short while (a bounded LRU with a TTL), so a client repeating an unknown or
 * revoked key costs no query until it expires. Found keys are never cached: a revocation counts from
 * the very next check. A key created while its hash is remembered as unknown works once that expires.
 */
export class KeyStore {
  private readonly pool: pg.Pool;
  private readonly unknown: LRUCache<string, true>;

  constructor(pool: pg.Pool, options: UnknownKeyCacheOptions = {}) {
    this.pool = pool;
    this.unknown = new LRUCache<string, true>({
      max: options.max ?? 10_000,
      ttl: options.ttlMs ?? 30_000,
      ...(options.now === undefined ? {} : { perf: { now: options.now } }),
    });
  }

  /** The client of an active (not revoked) key, or undefined for an unknown or revoked one. */
  async findActive(key: string): Promise<ApiClient | undefined> {
    const hash = hashApiKey(key);
    const id = hash.toString('hex');
    if (this.unknown.has(id)) return undefined;
    const { rows } = await this.pool.query<{ name: string; scopes: string[] }>(
      'SELECT name, scopes FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hash],
    );
    if (rows[0] === undefined) this.unknown.set(id, true);
    return rows[0];
  }
}
