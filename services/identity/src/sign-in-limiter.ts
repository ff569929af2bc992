import type pg from 'pg';

export interface SignInLimits {
  /** Failed sign-ins one account may take per window. */
  readonly perAccount: number;
  /** Failed sign-ins and sign-ups one client address may make per window. */
  readonly perAddress: number;
  readonly windowSeconds: number;
}

export type LimitVerdict = { readonly kind: 'allowed' } | { readonly kind: 'blocked'; readonly waitSeconds: number };

const accountKey = (email: string): string => `account:${email}`;
const addressKey = (address: string): string => `address:${address}`;

/**
 * Brute-force limits on sign-in, per account and per client address, in fixed windows kept in
 * PostgreSQL so that every replica counts the same failures. Failures count; a successful sign-in
 * clears its account's count (not its address's, so one good account does not unlock guessing
 * at others).
 */
export class SignInLimiter {
  constructor(
    private readonly pool: pg.Pool,
    private readonly limits: SignInLimits,
  ) {}

  /** Whether another attempt on `email` (none for a sign-up) from `address` may be checked now. */
  async check(email: string | undefined, address: string): Promise<LimitVerdict> {
    const keys = [addressKey(address), ...(email === undefined ? [] : [accountKey(email)])];
    const result = await this.pool.query<{ key: string; failures: number; wait_seconds: number }>(
      `SELECT key, failures, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int AS wait_seconds
       FROM sign_in_failures WHERE key = ANY($1) AND window_start > now() - make_interval(secs => $2)`,
      [keys, this.limits.windowSeconds],
    );
    let waitSeconds = 0;
    for (const row of result.rows) {
      const limit = row.key.startsWith('account:') ? this.limits.perAccount : this.limits.perAddress;
      if (row.failures >= limit) waitSeconds = Math.max(waitSeconds, row.wait_seconds, 1);
    }
    return waitSeconds > 0 ? { kind: 'blocked', waitSeconds } : { kind: 'allowed' };
  }

  async recordFailure(email: string | undefined, address: string): Promise<void> {
    const keys = [addressKey(address), ...(email === undefined ? [] : [accountKey(email)])];
    await this.pool.query(
      `INSERT INTO sign_in_failures (key, failures, window_start) SELECT k, 1, now() FROM unnest($1::text[]) AS k
       ON CONFLICT (key) DO UPDATE SET
         failures = CASE WHEN sign_in_failures.window_start > now() - make_interval(secs => $2)
                         THEN sign_in_failures.failures + 1 ELSE 1 END,
         window_start = CASE WHEN sign_in_failures.window_start > now() - make_interval(secs => $2)
                             THEN sign_in_failures.window_start ELSE now() END`,
      [keys, this.limits.windowSeconds],
    );
  }

  async recordSuccess(email: string): Promise<void> {
    await this.pool.query('DELETE FROM sign_in_failures WHERE key = $1', [accountKey(email)]);
  }
}
