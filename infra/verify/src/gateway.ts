import { randomUUID } from 'node:crypto';
import type { TokenSigner } from '@mesh-kit/catalog/token-signer';

/** A sku the products service's migration seeds. */
export const VERIFY_SKU = 'tea-01';

export interface GatewayAnswer {
  readonly status: number;
  readonly body: unknown;
  /** Response headers, names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
}

export interface GatewayRequest {
  readonly token?: string;
  readonly json?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

/** The shop's public API through the ingress gateway (a port-forward), as a client outside the cluster sees it. */
export class Gateway {
  readonly url: string;
  private readonly signer: TokenSigner;

  constructor(url: string, signer: TokenSigner) {
    this.url = url;
    this.signer = signer;
  }

  async send(method: 'GET' | 'POST', path: string, request: GatewayRequest = {}): Promise<GatewayAnswer> {
    const headers: Record<string, string> = { accept: 'application/json', ...request.headers };
    if (request.token !== undefined) headers.authorization = `Bearer ${request.token}`;
    if (request.json !== undefined) headers['content-type'] = 'application/json';
    // verify is a client, not a service: it bounds its own waits so a broken cluster cannot hang it.
    const response = await fetch(`${this.url}${path}`, {
      method,
      headers,
      signal: AbortSignal.timeout(30_000),
      ...(request.json === undefined ? {} : { body: JSON.stringify(request.json) }),
    });
    const text = await response.text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      // not JSON (Envoy's local replies are plain text)
    }
    return { status: response.status, body, headers: Object.fromEntries(response.headers) };
  }

  /** A token for `<the issuer's subject prefix><suffix>`: the only subjects the gateway lets it act as. */
  token(suffix = 'verify'): Promise<string> {
    return this.signer.sign(this.signer.subject(suffix));
  }

  /** Signs up a new token subject the way loadgen does (its own profile) and returns a token for it. */
  async newUser(): Promise<{ id: string; token: string }> {
    const id = this.signer.subject(randomUUID());
    const token = await this.signer.sign(id);
    const answer = await this.send('POST', '/api/users', {
      token,
      json: { name: 'verify', email: `verify-${id}@verify.example` },
    });
    if (answer.status !== 201) {
      throw new Error(`POST /api/users answered ${answer.status}: ${JSON.stringify(answer.body).slice(0, 200)}`);
    }
    return { id, token };
  }

  /** Places a small order (a seeded sku; products prices it) with a fresh Idempotency-Key. */
  async placeOrder(token: string, headers: Readonly<Record<string, string>> = {}): Promise<GatewayAnswer> {
    return this.send('POST', '/api/orders', {
      token,
      headers: { 'idempotency-key': randomUUID(), ...headers },
      json: { items: [{ sku: VERIFY_SKU, quantity: 1 }] },
    });
  }
}
