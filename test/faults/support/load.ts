import { catalog } from '@mesh-kit/catalog';
import { randomBytes } from 'node:crypto';
import { callAsSidecar, routeServing } from '../../../test-support/sidecar-retries.js';
import type { ShopService } from './shop.js';

/** One request of the load: when it started and ended (ms since epoch), and what it got. */
export interface Sample {
  readonly kind: 'place' | 'read';
  readonly service: ShopService;
  readonly start: number;
  readonly end: number;
  /** The HTTP status; 0 when nothing answered (refused, reset, or no answer within the client's timeout). */
  readonly status: number;
  /** For an order answered 201: its id and user. */
  readonly orderId?: string;
  readonly userId: string;
}

export interface LoadOptions {
  readonly ordersPerSecond: number;
  readonly readsPerSecond: number;
  /** The client gives up after this long, retries included (the gateway's route timeout stands in here). */
  readonly timeoutMs: number;
}

export const DEFAULT_LOAD: LoadOptions = { ordersPerSecond: 20, readsPerSecond: 10, timeoutMs: 5_000 };

/** The body every order of the load sends: 2 × tea at 3.50 = 7.00. */
/** A seeded sku: products prices it. */
export const ORDER_BODY = { items: [{ sku: 'tea-01', quantity: 2 }] };

type Read = { service: ShopService; path: (userId: string, orderId: string | undefined) => string };
const READS: readonly Read[] = [
  { service: 'orders', path: (_u, orderId) => (orderId === undefined ? '/orders' : `/orders/${orderId}`) },
  { service: 'orders', path: () => '/orders' },
  { service: 'users', path: (userId) => `/users/${userId}` },
  { service: 'notifications', path: () => '/notifications' },
  { service: 'analytics', path: () => '/stats' },
];

/**
 * An open-loop, paced load: a new order placement every 1/ordersPerSecond s and a read every
 * 1/readsPerSecond s, whether or not earlier requests have answered (a slow shop does not slow
 * the clients down, as with real users). Reads rotate over orders, users, notifications and
 * analytics, so a fault in any service shows in the figures.
 */
export class PacedLoad {
  readonly samples: Sample[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly timers: NodeJS.Timeout[] = [];
  private readonly accepted: { orderId: string; userId: string }[] = [];
  private orderTick = 0;
  private readTick = 0;

  constructor(
    private readonly urls: Readonly<Record<ShopService, string>>,
    private readonly users: readonly string[],
    private readonly options: LoadOptions = DEFAULT_LOAD,
  ) {}

  start(): void {
    this.timers.push(setInterval(() => this.track(this.place()), 1000 / this.options.ordersPerSecond));
    if (this.options.readsPerSecond > 0) {
      this.timers.push(setInterval(() => this.track(this.read()), 1000 / this.options.readsPerSecond));
    }
  }

  /** Stops sending and waits for every request in flight. */
  async stop(): Promise<Sample[]> {
    for (const t of this.timers) clearInterval(t);
    this.timers.length = 0;
    await Promise.all([...this.inFlight]);
    return this.samples;
  }

  private track(request: Promise<void>): void {
    this.inFlight.add(request);
    void request.finally(() => this.inFlight.delete(request));
  }

  private async call(
    service: ShopService,
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: unknown,
  ): Promise<{ status: number; json: unknown }> {
    // Through the gateway's sidecar, as every client reaches the shop on a cluster: a 5xx or no
    // answer is retried as the catalog route says, with the same Idempotency-Key.
    const signal = AbortSignal.timeout(this.options.timeoutMs);
    try {
      return await callAsSidecar(routeServing(catalog.services, service, method, path), async () => {
        const res = await fetch(`${this.urls[service]}${path}`, {
          method,
          headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
          ...(body === undefined ? {} : { body: JSON.stringify(body) }),
          signal,
        });
        const text = await res.text();
        let json: unknown;
        try {
          json = text === '' ? undefined : JSON.parse(text);
        } catch {
          json = undefined;
        }
        return { status: res.status, json };
      });
    } catch {
      return { status: 0, json: undefined };
    }
  }

  private async place(): Promise<void> {
    const userId = this.users[this.orderTick++ % this.users.length]!;
    const start = Date.now();
    const { status, json } = await this.call(
      'orders',
      'POST',
      '/orders',
      { 'x-user-id': userId, 'idempotency-key': randomBytes(8).toString('hex') },
      ORDER_BODY,
    );
    const orderId = status === 201 ? (json as { id?: unknown } | undefined)?.id : undefined;
    if (typeof orderId === 'string') this.accepted.push({ orderId, userId });
    this.samples.push({
      kind: 'place',
      service: 'orders',
      start,
      end: Date.now(),
      status,
      userId,
      ...(typeof orderId === 'string' ? { orderId } : {}),
    });
  }

  private async read(): Promise<void> {
    const read = READS[this.readTick++ % READS.length]!;
    // Reads of one order take a recent accepted one, as a client polling its order would.
    const recent = this.accepted[this.accepted.length - 1 - (this.readTick % 10)];
    const userId = recent?.userId ?? this.users[this.readTick % this.users.length]!;
    const start = Date.now();
    const { status } = await this.call(read.service, 'GET', read.path(userId, recent?.orderId), {
      'x-user-id': userId,
    });
    this.samples.push({ kind: 'read', service: read.service, start, end: Date.now(), status, userId });
  }
}
