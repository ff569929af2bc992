import { createHash } from 'node:crypto';

export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;

export interface Authorization {
  readonly id: string;
  readonly status: 'approved';
}

export type Decision = { readonly approved: Authorization } | { readonly declined: string };

/**
 * Deterministic rules: the same order key always gets the same authorization id, so a retried
 * request (the mesh retries this route) authorizes once.
 */
export function decide(orderKey: string, amountCents: number, declineAboveCents: number): Decision {
  if (amountCents > declineAboveCents) {
    return { declined: `amount ${amountCents} exceeds the limit of ${declineAboveCents} cents` };
  }
  const hex = createHash('sha256').update(orderKey).digest('hex');
  const id = `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
  return { approved: { id, status: 'approved' } };
}
