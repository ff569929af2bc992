/**
 * One Idempotency-Key per checkout attempt, kept in sessionStorage until the order is confirmed: a
 * double click, a retry after a 503 or a reload sends the same key with the same body, and orders
 * answers the one order it placed. A different cart is a different attempt with a new key.
 */
const KEY = 'shop.checkout-attempt';

interface Attempt {
  readonly key: string;
  readonly body: string;
}

function newKey(): string {
  // getRandomValues works outside secure contexts too (randomUUID does not).
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

export function attemptKey(body: string): string {
  let saved: Attempt | null;
  try {
    saved = JSON.parse(window.sessionStorage.getItem(KEY) ?? 'null') as Attempt | null;
  } catch {
    saved = null;
  }
  if (saved !== null && saved.body === body) return saved.key;
  const attempt: Attempt = { key: newKey(), body };
  window.sessionStorage.setItem(KEY, JSON.stringify(attempt));
  return attempt.key;
}

export function attemptDone(): void {
  window.sessionStorage.removeItem(KEY);
}
