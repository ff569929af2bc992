import { randomUUID } from 'node:crypto';
import { DependencyUnreachable, type Logger, type ServiceClient, type ServiceResponse } from '@mesh-kit/runtime';
import type { LoadgenMetrics, Step } from './metrics.js';
import type { TokenSigner } from '@mesh-kit/catalog/token-signer';

export interface JourneyDeps {
  /** Points at the ingress gateway: every path starts with `/api/`. */
  readonly gateway: ServiceClient;
  readonly signer: TokenSigner;
  readonly metrics: LoadgenMetrics;
  readonly logger: Logger;
  /**
   * Uniform [0, 1) source for choices (order count, items, replays); injected by tests.
   * @default Math.random
   */
  readonly random?: () => number;
  /**
   * Share of journeys that replay their last order's Idempotency-Key.
   * @default 0.2
   */
  readonly replayShare?: number;
}

export type JourneyOutcome = 'completed' | 'no_products' | 'no_user' | 'failed';

/** A line as a client orders it: the shop prices it (products), never the client. */
interface OrderItem {
  readonly sku: string;
  readonly quantity: number;
}

/** Dearest unit price a visitor puts in the basket: three of it stay under payments' decline limit. */
const MAX_UNIT_PRICE_CENTS = 10_000;

/**
 * One visitor: browses the catalogue without a token, signs up as a new token subject, places one
 * or two orders of what it saw, sometimes replays one, then reads what a browser would (profile,
 * orders, overview, notifications; not /api/stats, which takes an API key and refuses user tokens).
 * Each request is sent once; its outcome is counted, never retried (Law 1).
 */
export async function runJourney(deps: JourneyDeps): Promise<JourneyOutcome> {
  deps.metrics.inFlight.inc();
  try {
    const outcome = await journey(deps);
    deps.metrics.journeys.inc({ outcome });
    return outcome;
  } catch (error) {
    deps.logger.error({ err: error }, 'journey failed');
    deps.metrics.journeys.inc({ outcome: 'failed' });
    return 'failed';
  } finally {
    deps.metrics.inFlight.dec();
  }
}

async function journey(deps: JourneyDeps): Promise<JourneyOutcome> {
  const random = deps.random ?? Math.random;
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

  const catalogue = await send<{ items?: { sku?: unknown; priceCents?: unknown }[] }>(deps, {
    step: 'browse_products',
    method: 'GET',
    path: '/api/products?limit=50',
  });
  const skus = (catalogue?.status === 200 ? (catalogue.body?.items ?? []) : [])
    .filter((p) => typeof p.priceCents === 'number' && p.priceCents <= MAX_UNIT_PRICE_CENTS)
    .flatMap((p) => (typeof p.sku === 'string' ? [p.sku] : []));
  if (skus.length === 0) return 'no_products';

  // A new visitor is a new token subject; registering creates that subject's own profile.
  const userId = deps.signer.subject(randomUUID());
  const userToken = await deps.signer.sign(userId);
  const created = await send<{ id?: unknown }>(deps, {
    step: 'create_user',
    token: userToken,
    method: 'POST',
    path: '/api/users',
    body: { name: `Visitor ${userId.slice(0, 8)}`, email: `visitor-${userId}@loadgen.example` },
  });
  if (created?.status !== 201) return 'no_user';

  let last: { key: string; body: { items: OrderItem[] }; orderId: unknown } | undefined;
  const orderCount = 1 + Math.floor(random() * 2);
  for (let n = 0; n < orderCount; n += 1) {
    const body = {
      items: Array.from({ length: 1 + Math.floor(random() * 3) }, () => ({
        sku: pick(skus),
        quantity: 1 + Math.floor(random() * 3),
      })),
    };
    const key = randomUUID();
    const placed = await send<{ id?: unknown }>(deps, {
      step: 'place_order',
      token: userToken,
      method: 'POST',
      path: '/api/orders',
      body,
      idempotencyKey: key,
    });
    if (placed?.status === 201) last = { key, body, orderId: placed.body?.id };
  }

  if (last !== undefined && random() < (deps.replayShare ?? 0.2)) {
    const { key, body, orderId } = last;
    await send<{ id?: unknown }>(deps, {
      step: 'replay_order',
      token: userToken,
      method: 'POST',
      path: '/api/orders',
      body,
      idempotencyKey: key,
      isMismatch: (response) => {
        const mismatch = response.status < 300 && response.body?.id !== orderId;
        if (mismatch) deps.logger.warn({ key }, 'a replayed Idempotency-Key returned a different order');
        return mismatch;
      },
    });
  }

  const reads: readonly [Step, string][] = [
    ['profile', `/api/users/${encodeURIComponent(userId)}`],
    ['list_orders', '/api/orders'],
    ['overview', '/api/overview'],
    ['notifications', '/api/notifications'],
  ];
  for (const [step, path] of reads) await send(deps, { step, token: userToken, method: 'GET', path });
  return 'completed';
}

/** One request of a journey, counted under its step. */
interface JourneyRequest<T> {
  readonly step: Step;
  /** The bearer token the gateway checks; absent on the public routes, which need none. */
  readonly token?: string;
  readonly method: 'GET' | 'POST';
  readonly path: string;
  readonly body?: unknown;
  readonly idempotencyKey?: string;
  /** Whether the answer contradicts what the journey knows; counted as `mismatch`. @default never */
  readonly isMismatch?: (response: ServiceResponse<T>) => boolean;
}

/** Sends one request and counts its outcome; undefined when the gateway could not be reached. */
async function send<T>(
  deps: JourneyDeps,
  { step, token, method, path, body, idempotencyKey, isMismatch }: JourneyRequest<T>,
): Promise<ServiceResponse<T> | undefined> {
  const headers: Record<string, string> = token === undefined ? {} : { authorization: `Bearer ${token}` };
  if (idempotencyKey !== undefined) headers['idempotency-key'] = idempotencyKey;
  let response: ServiceResponse<T>;
  try {
    response =
      method === 'GET' ? await deps.gateway.get<T>(path, headers) : await deps.gateway.post<T>(path, body, headers);
  } catch (error) {
    if (!(error instanceof DependencyUnreachable)) throw error;
    deps.metrics.requests.inc({ step, outcome: 'unreachable' });
    return undefined;
  }
  const outcome = isMismatch?.(response) === true ? 'mismatch' : String(response.status);
  deps.metrics.requests.inc({ step, outcome });
  return response;
}
