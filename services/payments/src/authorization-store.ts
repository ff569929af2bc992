import type { AuthorizationAnswer } from '@mesh-kit/catalog/answers';
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import type { PaymentRules } from './rules.js';

export interface AuthorizationRequest {
  /** The order's own id: one authorization per order. */
  readonly orderKey: string;
  readonly userId: string;
  readonly amountCents: number;
  readonly currency: string;
}

/** What payments answers for an approved authorization: the contract orders parses. */
export type Authorization = AuthorizationAnswer;

export type AuthorizeResult =
  | { readonly kind: 'approved'; readonly authorization: Authorization }
  /** The key is known with other terms; the fields that differ. */
  | { readonly kind: 'conflict'; readonly fields: readonly ('userId' | 'amountCents' | 'currency')[] }
  | { readonly kind: 'declined' };

interface Row {
  id: string;
  user_id: string;
  amount_cents: string;
  currency: string;
}

const approved = (row: Row): AuthorizeResult => ({
  kind: 'approved',
  authorization: { id: row.id, status: 'approved', amountCents: Number(row.amount_cents), currency: row.currency },
});

/**
 * Approved authorizations, one per order key. A repeat with the same terms answers the stored one
 * (the mesh retries this route); other terms for a known key are a conflict. The velocity limit
 * counts the user's authorizations of the last window under a per-user advisory lock, in one short
 * transaction (no network call inside it).
 */
export class AuthorizationStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly rules: PaymentRules,
  ) {}

  async authorize(request: AuthorizationRequest): Promise<AuthorizeResult> {
    const known = await this.byKey(this.pool, request.orderKey);
    if (known !== undefined) return this.compare(known, request);
    if (request.amountCents > this.rules.declineAboveCents) return { kind: 'declined' };

    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [request.userId]);
      const raced = await this.byKey(client, request.orderKey);
      if (raced !== undefined) {
        await client.query('COMMIT');
        return this.compare(raced, request);
      }
      const { rows } = await client.query<{ n: number; cents: string }>(
        `SELECT count(*)::int AS n, coalesce(sum(amount_cents), 0) AS cents FROM authorizations
         WHERE user_id = $1 AND created_at > now() - $2 * interval '1 second'`,
        [request.userId, this.rules.velocityWindowSeconds],
      );
      const recent = rows[0]!;
      if (
        recent.n + 1 > this.rules.velocityMaxCount ||
        Number(recent.cents) + request.amountCents > this.rules.velocityMaxCents
      ) {
        await client.query('COMMIT');
        return { kind: 'declined' };
      }
      const inserted = await client.query<Row>(
        `INSERT INTO authorizations (order_key, id, user_id, amount_cents, currency) VALUES ($1, $2, $3, $4, $5)
         RETURNING id, user_id, amount_cents, currency`,
        [request.orderKey, randomUUID(), request.userId, request.amountCents, request.currency],
      );
      await client.query('COMMIT');
      return approved(inserted.rows[0]!);
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  private async byKey(db: pg.Pool | pg.PoolClient, orderKey: string): Promise<Row | undefined> {
    const { rows } = await db.query<Row>(
      'SELECT id, user_id, amount_cents, currency FROM authorizations WHERE order_key = $1',
      [orderKey],
    );
    return rows[0];
  }

  private compare(row: Row, request: AuthorizationRequest): AuthorizeResult {
    const fields = [
      ...(row.user_id === request.userId ? [] : (['userId'] as const)),
      ...(Number(row.amount_cents) === request.amountCents ? [] : (['amountCents'] as const)),
      ...(row.currency === request.currency ? [] : (['currency'] as const)),
    ];
    return fields.length === 0 ? approved(row) : { kind: 'conflict', fields };
  }
}
