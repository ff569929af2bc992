export const CURRENCIES = ['EUR', 'USD', 'GBP'] as const;

/** What payments decides on, besides each authorization's own amount. */
export interface PaymentRules {
  /** Amounts above this are declined. */
  readonly declineAboveCents: number;
  /** Per user and window: at most this many authorizations… */
  readonly velocityMaxCount: number;
  /** …and at most this many cents authorized in all. */
  readonly velocityMaxCents: number;
  readonly velocityWindowSeconds: number;
}

export const defaultRules: PaymentRules = {
  declineAboveCents: 100_000,
  velocityMaxCount: 20,
  velocityMaxCents: 500_000,
  velocityWindowSeconds: 3_600,
};
