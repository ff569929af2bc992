import type pg from 'pg';
import { hashApiKey } from '@mesh-kit/catalog/api-key';

/** An active key's client. */
export interface ApiClient {
  readonly name: string;
  readonly scopes: readonly string[];
}

/** Reads the api_keys table; keys are looked up by their hash only. */
export class KeyStore {
  private readonly pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.pool = pool;
  }

  /** The client of an active (not revoked) key, or undefined for an unknown or revoked one. */
  async findActive(key: string): Promise<ApiClient | undefined> {
    const { rows } = await this.pool.query<{ name: string; scopes: string[] }>(
      'SELECT name, scopes FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL',
      [hashApiKey(key)],
    );
    return rows[0];
  }
}
