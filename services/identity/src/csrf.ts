import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * CSRF tokens of the sign-in and sign-up forms, bound to the interaction: an HMAC of its uid under
 * a key only identity holds. oidc-provider already ties an interaction to the browser that started
 * it (its signed `_interaction` cookie, SameSite=Lax, so a cross-site POST arrives without it); the
 * token adds that a form is accepted only when identity rendered it for that very interaction. It
 * needs no server-side state, so any replica checks it.
 */
export class CsrfTokens {
  constructor(private readonly key: Buffer) {}

  issue(uid: string): string {
    return createHmac('sha256', this.key).update(`interaction:${uid}`).digest('base64url');
  }

  verify(uid: string, token: unknown): boolean {
    if (typeof token !== 'string') return false;
    const expected = Buffer.from(this.issue(uid));
    const actual = Buffer.from(token);
    return actual.length === expected.length && timingSafeEqual(actual, expected);
  }
}
