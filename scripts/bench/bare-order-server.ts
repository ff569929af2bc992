/**
 * The anchor of the order path: the same new order as the shop's (the same four processes, calls,
 * SQL and JetStream publish) with node:http, pg and the NATS client only: no Express, no runtime
 * layers, no zod, no metrics, no logging. ROLE picks the process: `users` (GET /users/:id),
 * `products` (GET /internal/products?sku=…), `payments` (POST /authorizations) or `orders`
 * (POST /orders, calling the other three at USERS_URL, PRODUCTS_URL and PAYMENTS_URL). The
 * statements are the services' own (services/<name>/src/*-store.ts) and run on the kit's databases.
 * It checks nothing the bench does not send wrong: it is a floor to measure the kit against.
 */
import { createHash, randomUUID } from 'node:crypto';
import { Agent, createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import { jetstream } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import pg from 'pg';

// The services' pool settings (services/runtime/src/database.ts): DATABASE_POOL_MAX and
// DATABASE_CONNECT_TIMEOUT_MS as they read them (defaults 10 and 250 ms), and connections kept
// through a minute idle. With pg's 10 s default, the anchor's connections closed while the other
// stacks ran their rounds, and each of its rounds began by opening them all again.
const pool = new pg.Pool({
  connectionString: process.env.DATABASE_URL,
  max: Number(process.env.DATABASE_POOL_MAX ?? 10),
  connectionTimeoutMillis: Number(process.env.DATABASE_CONNECT_TIMEOUT_MS ?? 250),
  idleTimeoutMillis: 60_000,
});
// As the services' pools (watchConnections): an idle connection's error is not the end of the process.
pool.on('error', () => undefined);
const env = (name: string): string => process.env[name] ?? '';
type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => Promise<void>;

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

const users: Handler = async (req, res) => {
  const id = decodeURIComponent(req.url!.slice('/users/'.length));
  const { rows } = await pool.query({
    name: 'users.find',
    text: 'SELECT id, name, email FROM users WHERE id = $1',
    values: [id],
  });
  if (rows[0] === undefined || id !== req.headers['x-user-id']) send(res, 404, {});
  else send(res, 200, rows[0]);
};

const products: Handler = async (req, res) => {
  const skus = new URL(req.url!, 'http://x').searchParams.getAll('sku');
  const { rows } = await pool.query({
    name: 'products.find-many',
    text: `SELECT sku, name, price_cents AS "priceCents", currency, active FROM products WHERE sku = ANY($1::text[]) ORDER BY sku COLLATE "C"`,
    values: [skus],
  });
  send(res, 200, { items: rows });
};

const payments: Handler = async (_req, res, body) => {
  const { orderKey, userId, amountCents, currency } = JSON.parse(body) as Record<string, string | number>;
  // The function services/payments/migrations/002 defines, with payments' default rules.
  const { rows } = await pool.query({
    name: 'payments.authorize',
    text: 'SELECT outcome, auth_id, auth_user_id, auth_amount_cents, auth_currency FROM authorize_payment($1, $2, $3, $4, $5, $6, $7, $8, $9)',
    values: [orderKey, randomUUID(), userId, amountCents, currency, 100_000, 10_000, 100_000_000, 3_600],
  });
  const row = rows[0];
  if (row.outcome === 'declined') send(res, 402, {});
  else
    send(res, 201, {
      id: row.auth_id,
      status: 'approved',
      amountCents: Number(row.auth_amount_cents),
      currency: row.auth_currency,
    });
};

const agent = new Agent({ keepAlive: true });
interface Answer {
  readonly status: number;
  readonly body: { id: string; items: { sku: string; priceCents: number; currency: string }[] };
}
function call(base: string, method: string, path: string, headers: Record<string, string>, body?: string) {
  const url = new URL(base);
  return new Promise<Answer>((resolve, reject) => {
    const req = request(
      { host: url.hostname, port: url.port, path, method, agent, headers: { accept: 'application/json', ...headers } },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body: JSON.parse(text || '{}') as Answer['body'] }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const js =
  env('ROLE') === 'orders' ? jetstream(await connect({ servers: env('NATS_URL'), noAsyncTraces: true })) : undefined;
const subject = `${env('EVENTS_NAMESPACE') === '' ? '' : `${env('EVENTS_NAMESPACE')}.`}orders.placed`;
// Published rows are marked in one statement per 20 ms, as the kit's relay does.
let toMark: string[] = [];
let marking: Promise<unknown> | undefined;
const markPublished = (id: string): void => {
  toMark.push(id);
  marking ??= new Promise((resolve) => setTimeout(resolve, 20)).then(() => {
    const ids = toMark;
    toMark = [];
    marking = undefined;
    // A mark that fails leaves the rows unmarked, as the kit's relay does; it must not end the process.
    return pool
      .query('UPDATE outbox SET published_at = now() WHERE id = ANY($1::uuid[]) AND published_at IS NULL', [ids])
      .catch(() => undefined);
  });
};

const orders: Handler = async (req, res, body) => {
  const userId = String(req.headers['x-user-id']);
  const key = String(req.headers['idempotency-key']);
  const lines = (JSON.parse(body) as { items: { sku: string; quantity: number }[] }).items;
  const asked = JSON.stringify(lines.map((l) => ({ sku: l.sku, quantity: l.quantity })));
  const claim = randomUUID();
  const reserved = await pool.query({
    name: 'orders.reserve',
    text: `INSERT INTO orders (id, user_id, idempotency_key, request_hash, items, status, claim, pending_until)
       VALUES ($1, $2, $3, $4, $5, 'pending', $6, now() + $7 * interval '1 millisecond')
       ON CONFLICT (user_id, idempotency_key) DO UPDATE
         SET claim = EXCLUDED.claim, pending_until = EXCLUDED.pending_until
         WHERE orders.status = 'pending' AND orders.pending_until < now() AND orders.request_hash = EXCLUDED.request_hash
       RETURNING id, user_id, items, total_cents, currency, status, created_at, request_hash, orders.id <> $1 AS taken_over`,
    values: [randomUUID(), userId, key, createHash('sha256').update(asked).digest('hex'), asked, claim, 10_000],
  });
  const order = reserved.rows[0];
  const skus = [...new Set(lines.map((l) => l.sku))].map((s) => `sku=${encodeURIComponent(s)}`).join('&');
  const [user, priced] = await Promise.all([
    call(env('USERS_URL'), 'GET', `/users/${encodeURIComponent(userId)}`, { 'x-user-id': userId }),
    call(env('PRODUCTS_URL'), 'GET', `/internal/products?${skus}`, {}),
  ]);
  if (user.status !== 200 || priced.status !== 200) return send(res, 502, {});
  const bySku = new Map(priced.body.items.map((p) => [p.sku, p]));
  const items = lines.map((l) => ({ sku: l.sku, quantity: l.quantity, unitPriceCents: bySku.get(l.sku)!.priceCents }));
  const totalCents = items.reduce((sum, i) => sum + i.quantity * i.unitPriceCents, 0);
  const currency = bySku.get(lines[0]!.sku)!.currency;
  const payload = JSON.stringify({ orderKey: order.id, userId, amountCents: totalCents, currency });
  const payment = await call(
    env('PAYMENTS_URL'),
    'POST',
    '/authorizations',
    { 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(payload)) },
    payload,
  );
  if (payment.status !== 201) return send(res, 502, {});
  const placed = {
    id: order.id,
    userId,
    items,
    totalCents,
    currency,
    status: 'confirmed',
    createdAt: order.created_at.toISOString(),
  };
  const event = { id: randomUUID(), type: 'orders.placed', version: 1, occurredAt: placed.createdAt, order: placed };
  await pool.query({
    name: 'orders.confirm',
    text: `WITH confirmed AS (
         UPDATE orders SET status = 'confirmed', payment_id = $2, claim = NULL, pending_until = NULL,
           items = $7, total_cents = $8, currency = $9
         WHERE id = $1 AND status = 'pending'
         RETURNING id
       ), event AS (
         INSERT INTO outbox (id, subject, payload, headers)
         SELECT $3, $4, $5, $6 FROM confirmed
       )
       SELECT id FROM confirmed`,
    values: [
      order.id,
      payment.body.id,
      event.id,
      'orders.placed',
      JSON.stringify(event),
      '{}',
      JSON.stringify(items),
      totalCents,
      currency,
    ],
  });
  send(res, 201, placed, { location: `/orders/${order.id}` });
  // As the kit's relay: a row whose publish fails stays unpublished (here nothing polls for it).
  void js!
    .publish(subject, JSON.stringify(event), { msgID: event.id })
    .then(() => markPublished(event.id))
    .catch(() => undefined);
};

const handlers: Record<string, Handler> = { users, products, payments, orders };
const handler = handlers[env('ROLE')];
if (handler === undefined) {
  process.stderr.write(`bare-order-server: ROLE must be one of ${Object.keys(handlers).join(', ')}\n`);
  process.exit(64);
}
createServer((req, res) => {
  let body = '';
  req.setEncoding('utf8');
  req.on('data', (chunk: string) => (body += chunk));
  req.on('end', () => {
    handler(req, res, body).catch(() => {
      res.writeHead(500);
      res.end();
    });
  });
}).listen(Number(env('PORT')), '127.0.0.1', () => process.stdout.write('ready\n'));
