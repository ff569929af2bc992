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

/** What authorize_payment (migrations/002) answers: one row. */
interface Outcome {
  outcome: 'known' | 'approved' | 'declined';
  auth_id: string | null;
  auth_user_id: string | null;
  auth_amount_cents: string | null;
  auth_currency: string | null;
}

/**
 * Approved authorizations, one per order key. A repeat with the same terms answers the stored one
 * (the mesh retries this route); other terms for a known key are a conflict. The velocity limit
 * counts the user's authorizations of the last window under a per-user advisory lock. All of it is
 * one call of the database function authorize_payment (one round trip instead of seven: the
 * function runs the statements this class used to send in a transaction of its own).
 */
export class AuthorizationStore {
  constructor(
    private readonly pool: pg.Pool,
    private readonly rules: PaymentRules,
  ) {}

  async authorize(request: AuthorizationRequest): Promise<AuthorizeResult> {
    const { rows } = await this.pool.query<Outcome>({
      name: 'payments.authorize',
      text: 'SELECT outcome, auth_id, auth_user_id, auth_amount_cents, auth_currency FROM authorize_payment($1, $2, $3, $4, $5, $6, $7, $8, $9)',
      values: [
        request.orderKey,
        randomUUID(),
        request.userId,
        request.amountCents,
        request.currency,
        this.rules.declineAboveCents,
        this.rules.velocityMaxCount,
        this.rules.velocityMaxCents,
        this.rules.velocityWindowSeconds,
      ],
    });
    const outcome = rows[0]!;
    if (outcome.outcome === 'declined') return { kind: 'declined' };
    const row: Row = {
      id: outcome.auth_id!,
      user_id: outcome.auth_user_id!,
      amount_cents: outcome.auth_amount_cents!,
      currency: outcome.auth_currency!,
    };
    return outcome.outcome === 'known' ? this.compare(row, request) : approved(row);
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
