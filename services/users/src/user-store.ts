import { randomUUID } from 'node:crypto';
import type pg from 'pg';

export interface User {
  readonly id: string;
  readonly name: string;
  readonly email: string;
}

/** Discriminated by `kind`, like every result in the kit. */
export type CreateResult = { readonly kind: 'created'; readonly user: User } | { readonly kind: 'email-taken' };

export class UserStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(name: string, email: string): Promise<CreateResult> {
    const result = await this.pool.query<User>(
      `INSERT INTO users (id, name, email) VALUES ($1, $2, $3)
       ON CONFLICT (lower(email)) DO NOTHING
       RETURNING id, name, email`,
      [randomUUID(), name, email],
    );
    const row = result.rows[0];
    return row === undefined ? { kind: 'email-taken' } : { kind: 'created', user: row };
  }

  async find(id: string): Promise<User | undefined> {
    const result = await this.pool.query<User>('SELECT id, name, email FROM users WHERE id = $1', [id]);
    return result.rows[0];
  }
}
