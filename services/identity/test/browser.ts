import { createHash, randomBytes } from 'node:crypto';

/**
 * A browser as far as the provider can tell: a cookie jar, redirects followed by hand (so a test
 * sees each hop), forms posted urlencoded. Cookies are kept by name; paths and expiry are ignored
 * (every cookie goes to the one origin under test).
 */
export class Browser {
  readonly cookies = new Map<string, string>();

  /** @param forwardedFor the client address, as the gateway would append it to x-forwarded-for */
  constructor(private readonly forwardedFor = '192.0.2.1') {}

  async request(url: string, init: { method?: string; form?: Record<string, string> } = {}): Promise<Response> {
    const headers: Record<string, string> = { 'x-forwarded-for': this.forwardedFor };
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    let body: string | undefined;
    if (init.form !== undefined) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(init.form).toString();
    }
    const response = await fetch(url, {
      method: init.method ?? (body === undefined ? 'GET' : 'POST'),
      headers,
      redirect: 'manual',
      ...(body === undefined ? {} : { body }),
    });
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) this.cookies.delete(name);
      else this.cookies.set(name, value);
    }
    return response;
  }

  /**
   * Follows redirects from `response` until one leaves for `stopAt` (the client's redirect URI),
   * or a page answers; returns that last response and, when it left, the URL it was sent to.
   */
  async follow(response: Response, base: string, stopAt: string): Promise<{ response: Response; left?: URL }> {
    let current = response;
    for (let hop = 0; hop < 10; hop += 1) {
      const location = current.headers.get('location');
      if (current.status < 300 || current.status >= 400 || location === null) return { response: current };
      const next = new URL(location, base);
      if (next.href.startsWith(stopAt)) return { response: current, left: next };
      current = await this.request(next.href);
    }
    throw new Error('too many redirects');
  }
}

/** A PKCE pair (RFC 7636, S256). */
export function pkce(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString('base64url');
  return { verifier, challenge: createHash('sha256').update(verifier).digest('base64url') };
}

/** The value of the hidden `csrf` field of a form page. */
export function csrfOf(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (match === null) throw new Error(`no csrf field in:\n${html}`);
  return match[1]!;
}

/** The path of the form's action (`/auth/interaction/<uid>/sign-in`). */
export function actionOf(html: string): string {
  const match = /<form method="post" action="([^"]+)"/.exec(html);
  if (match === null) throw new Error(`no form in:\n${html}`);
  return match[1]!;
}
