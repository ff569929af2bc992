import { randomUUID, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { jwtVerify } from 'jose';

export interface RecordedRequest {
  readonly method: string;
  readonly path: string;
  readonly subject: string;
  readonly idempotencyKey: string | undefined;
  readonly body: unknown;
}

/** What GET /api/products answers: one item too dear for a visitor's basket. */
export const CATALOGUE = [
  { sku: 'mug-001', name: 'Mug', priceCents: 1_200, currency: 'EUR', active: true },
  { sku: 'tea-01', name: 'Tea', priceCents: 450, currency: 'EUR', active: true },
  { sku: 'espresso-9', name: 'Espresso machine', priceCents: 129_900, currency: 'EUR', active: true },
];

export interface FakeGatewayOptions {
  readonly publicKey: KeyObject;
  /** Status for POST /api/orders; 201 stores and replays by Idempotency-Key. */
  readonly orderStatus?: number;
  /** Answer replays with a fresh order id, as a broken idempotency store would. */
  readonly forgetKeys?: boolean;
}

export interface FakeGateway {
  readonly url: string;
  readonly requests: RecordedRequest[];
  /** Requests refused for a missing or invalid token. */
  readonly rejected: string[];
  close(): Promise<void>;
}

/**
 * @models the Istio ingress gateway as loadgen meets it (jwt_authn, the shop's 401 route)
 *
 * Stands in for the Istio ingress gateway: verifies the RS256 JWT the way RequestAuthentication
 * does (issuer `mesh-kit`, audience `shop`), records what reached it and answers like the shop.
 * Envoy's jwt_authn allows 60 s of clock skew on `exp` and `nbf` when clock_skew_seconds is unset
 * (api/envoy/extensions/filters/http/jwt_authn/v3/config.proto, JwtProvider.clock_skew_seconds),
 * and Istio 1.30.3 never sets it (pilot/pkg/security/authn has no clock skew; istio/api#3710 is open).
 */
export async function startFakeGateway(options: FakeGatewayOptions): Promise<FakeGateway> {
  const requests: RecordedRequest[] = [];
  const rejected: string[] = [];
  const orders = new Map<string, string>();

  const server: Server = createServer((req, res) => {
    void (async () => {
      const path = req.url ?? '/';
      const json = (status: number, value: unknown): void => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(value));
      };
      // The catalogue is public: no token needed, none recorded.
      if (req.method === 'GET' && path.split('?')[0] === '/api/products') {
        requests.push({ method: 'GET', path, subject: '', idempotencyKey: undefined, body: undefined });
        json(200, { items: CATALOGUE, nextCursor: null });
        return;
      }
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
      let subject: string;
      try {
        if (token === undefined) throw new Error('no token');
        const verified = await jwtVerify(token, options.publicKey, {
          issuer: 'mesh-kit',
          audience: 'shop',
          algorithms: ['RS256'],
          clockTolerance: 60,
        });
        subject = verified.payload.sub ?? '';
      } catch {
        rejected.push(path);
        res.writeHead(401).end('Jwt is missing');
        return;
      }
      const body = await readJson(req);
      const idempotencyKey = req.headers['idempotency-key'] as string | undefined;
      requests.push({ method: req.method ?? '', path, subject, idempotencyKey, body });

      if (req.method === 'POST' && path === '/api/users') {
        json(201, { id: subject, ...(body as object) });
      } else if (req.method === 'POST' && path === '/api/orders') {
        const status = options.orderStatus ?? 201;
        if (status !== 201) return json(status, { title: 'upstream failed' });
        const key = idempotencyKey ?? randomUUID();
        const id = (options.forgetKeys === true ? undefined : orders.get(key)) ?? randomUUID();
        orders.set(key, id);
        json(201, { id, userId: subject, status: 'placed' });
      } else {
        json(200, {});
      }
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    rejected,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  return text === '' ? undefined : (JSON.parse(text) as unknown);
}
