import { randomUUID } from 'node:crypto';
import { TRACING } from '../context.js';
import { evaluateTrace } from '../evaluate.js';
import { consumersOf } from '../expectations.js';
import { isService, parseJaegerResponse, type JaegerTrace } from '../jaeger.js';
import type { Check } from './check.js';

const GATEWAY_SERVICE = 'istio-ingressgateway';
const WAIT_MS = 30_000;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Places an order with `x-client-trace-id` (Envoy then traces it whatever the sampling rate)
 * and asks Jaeger's query API for the gateway's recent traces until one spans the gateway,
 * orders, payments and a consumer of `orders.placed`.
 */
export const traceCheck: Check = {
  id: 'trace',
  title: 'one trace: gateway → orders → payments → async hop',
  async run(ctx) {
    const gateway = await ctx.gateway();
    const user = await gateway.newUser();
    const start = Date.now();
    const placed = await gateway.placeOrder(user.token, { 'x-client-trace-id': randomUUID() });
    if (placed.status !== 201) throw new Error(`POST /api/orders answered ${placed.status}`);

    const jaeger = await ctx.forward(TRACING);
    const get = async <T>(path: string, what: string): Promise<T> => {
      const response = await fetch(`${jaeger.url}${TRACING.basePath}${path}`, { signal: AbortSignal.timeout(30_000) });
      return parseJaegerResponse<T>(await response.text(), what);
    };
    const expected = {
      required: [GATEWAY_SERVICE, 'orders', 'payments'],
      anyOf: consumersOf('orders.placed', ctx.catalog),
    };
    for (;;) {
      await sleep(3_000);
      const services = await get<string[]>('/api/services', 'services');
      const service = services.find((s) => isService(s, GATEWAY_SERVICE));
      const result =
        service === undefined
          ? {
              status: 'fail' as const,
              detail: `Jaeger knows no ${GATEWAY_SERVICE} service (has ${services.join(', ')})`,
            }
          : evaluateTrace(
              await get<JaegerTrace[]>(
                `/api/traces?service=${encodeURIComponent(service)}&start=${(start - 5_000) * 1000}&limit=50`,
                'traces',
              ),
              expected,
            );
      if (result.status === 'pass' || Date.now() - start > WAIT_MS) return result;
    }
  },
};
