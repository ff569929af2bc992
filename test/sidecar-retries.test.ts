import { describe, expect, it } from 'vitest';
import { catalog, type RouteSpec } from '@mesh-kit/catalog';
import { callAsSidecar, routeOf, routeServing } from '../test-support/sidecar-retries.js';

const bare: RouteSpec = { method: 'POST', path: '/x', idempotent: true, timeoutMs: 1_000 };
const route = (retryOn: string, attempts = 1): RouteSpec => ({
  method: 'POST',
  path: '/x',
  idempotent: true,
  timeoutMs: 1_000,
  retries: { attempts, perTryTimeoutMs: 500, retryOn },
});

/** A send that answers the given statuses in turn (a string: no answer, thrown). */
function scripted(outcomes: readonly (number | string)[]) {
  const calls: number[] = [];
  const send = async (): Promise<{ status: number }> => {
    const outcome = outcomes[calls.length] ?? 200;
    calls.push(Date.now());
    if (typeof outcome === 'string') throw new TypeError(outcome);
    return { status: outcome };
  };
  return { send, calls };
}

describe('a route called as its caller sidecar retries it', () => {
  it('5xx: a 503 is retried once, and the retry answer is the result', async () => {
    const s = scripted([503, 201]);
    await expect(callAsSidecar(route('connect-failure,refused-stream,5xx'), s.send)).resolves.toEqual({ status: 201 });
    expect(s.calls).toHaveLength(2);
  });

  it('stops after the allowed retries and returns the last answer', async () => {
    const s = scripted([503, 502, 504, 201]);
    await expect(callAsSidecar(route('5xx', 2), s.send)).resolves.toEqual({ status: 504 });
    expect(s.calls).toHaveLength(3);
  });

  it('connect-failure alone: a 503 is the answer; no answer is retried', async () => {
    const answered = scripted([503, 201]);
    await expect(callAsSidecar(route('connect-failure,refused-stream'), answered.send)).resolves.toEqual({
      status: 503,
    });
    expect(answered.calls).toHaveLength(1);
    const refused = scripted(['fetch failed', 201]);
    await expect(callAsSidecar(route('connect-failure'), refused.send)).resolves.toEqual({ status: 201 });
    const always = scripted(['fetch failed', 'fetch failed']);
    await expect(callAsSidecar(route('connect-failure'), always.send)).rejects.toThrow('fetch failed');
  });

  it('no retry on a 4xx, nor on a route without retries', async () => {
    const s = scripted([409, 201]);
    await expect(callAsSidecar(route('5xx'), s.send)).resolves.toEqual({ status: 409 });
    const none = scripted([503, 201]);
    await expect(callAsSidecar(bare, none.send)).resolves.toEqual({ status: 503 });
  });

  it("finds the catalog's POST /orders, and names a route it lacks", () => {
    expect(routeOf(catalog.services, 'orders', 'POST', '/orders').retries?.retryOn).toContain('5xx');
    expect(() => routeOf(catalog.services, 'orders', 'DELETE', '/orders')).toThrow(/DELETE \/orders on orders/);
  });

  it('finds the route that serves a concrete path, parameters matched one segment each', () => {
    expect(routeServing(catalog.services, 'orders', 'GET', '/orders/abc-1').path).toBe('/orders/:id');
    expect(routeServing(catalog.services, 'orders', 'GET', '/orders').path).toBe('/orders');
    expect(() => routeServing(catalog.services, 'orders', 'GET', '/orders/abc/items')).toThrow(
      /no catalog route of orders serves GET \/orders\/abc\/items/,
    );
  });
});
