import type { UserAnswer } from '@mesh-kit/catalog/answers';
import type pg from 'pg';

/** A profile, as users answers it to the other services (the contract storefront parses). */
export type User = UserAnswer;

/** Discriminated by `kind`, like every result in the kit. */
export type CreateResult =
  { readonly kind: 'created'; readonly user: User } | { readonly kind: 'existing'; readonly user: User };

export class UserStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Creates the profile of `id` (the caller's subject), or answers the one it already has. */
  async create(id: string, name: string, email: string): Promise<CreateResult> {
    const result = await this.pool.query<User>(
      `INSERT INTO users (id, name, email) VALUES ($1, $2, $3)
       ON CONFLICT (id) DO NOTHING
       RETURNING id, name, email`,
      [id, name, email],
    );
    const row = result.rows[0];
    if (row !== undefined) return { kind: 'created', user: row };
    const existing = await this.find(id);
    // Deleted between the two statements: none of this service's routes deletes, so it cannot be.
    if (existing === undefined) throw new Error(`user ${id} vanished while registering`);
    return { kind: 'existing', user: existing };
  }

  async find(id: string): Promise<User | undefined> {
    // Named: each pooled connection parses and plans it once, not on every request (docs/benchmarks.md).
    const result = await this.pool.query<User>({
      name: 'users.find',
      text: 'SELECT id, name, email FROM users WHERE id = $1',
      values: [id],
    });
    return result.rows[0];
  }
}
