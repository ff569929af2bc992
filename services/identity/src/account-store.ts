import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { DEFAULT_SCRYPT_COST, hashPassword, verifyPassword, type ScryptCost } from './passwords.js';

export interface Account {
  /** The tokens' `sub`: opaque and stable (a UUID, within every service's limit on user ids). */
  readonly id: string;
  readonly email: string;
}

export type SignUpResult = { readonly kind: 'created'; readonly account: Account } | { readonly kind: 'taken' };

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Email addresses are compared and stored lower-cased and trimmed. */
export const normalizeEmail = (email: string): string => email.trim().toLowerCase();

/** Accounts: email and an scrypt hash of the password, in identity's own database. */
export class AccountStore {
  /** Hashed for an unknown email, so that a sign-in takes as long whether the account exists or not. */
  private readonly dummyHash: Promise<string>;

  constructor(
    private readonly pool: pg.Pool,
    private readonly cost: ScryptCost = DEFAULT_SCRYPT_COST,
  ) {
    this.dummyHash = hashPassword('not a password anyone has', cost);
  }

  async signUp(email: string, password: string): Promise<SignUpResult> {
    const hash = await hashPassword(password, this.cost);
    const result = await this.pool.query<Account>(
      `INSERT INTO accounts (id, email, password_hash) VALUES ($1, $2, $3)
       ON CONFLICT (email) DO NOTHING RETURNING id, email`,
      [randomUUID(), normalizeEmail(email), hash],
    );
    const account = result.rows[0];
    return account === undefined ? { kind: 'taken' } : { kind: 'created', account };
  }

  /** The account whose email and password these are, or undefined; the same work either way. */
  async signIn(email: string, password: string): Promise<Account | undefined> {
    const result = await this.pool.query<Account & { password_hash: string }>(
      'SELECT id, email, password_hash FROM accounts WHERE email = $1',
      [normalizeEmail(email)],
    );
    const row = result.rows[0];
    const matches = await verifyPassword(password, row?.password_hash ?? (await this.dummyHash));
    return row !== undefined && matches ? { id: row.id, email: row.email } : undefined;
  }

  async find(id: string): Promise<Account | undefined> {
    if (!UUID.test(id)) return undefined;
    const result = await this.pool.query<Account>('SELECT id, email FROM accounts WHERE id = $1', [id]);
    return result.rows[0];
  }
}
