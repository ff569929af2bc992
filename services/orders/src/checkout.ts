import {
  authorizationAnswerSchema,
  parseAnswer,
  problemAnswerSchema,
  productLookupAnswerSchema,
} from '@mesh-kit/catalog/answers';
import { HttpProblem, type ServiceClient, USER_ID_HEADER } from '@mesh-kit/runtime';
import { type OrderLine, type PricedOrder, totalOf } from './order.js';

/**
 * The synchronous critical path of an order: the user must exist, products prices every line, and
 * the payment must be authorized. Each dependency's answer maps to one clear answer of ours; nothing
 * is retried here (the sidecar retries the idempotent calls).
 */
export class Checkout {
  constructor(
    private readonly users: ServiceClient,
    private readonly products: ServiceClient,
    private readonly payments: ServiceClient,
  ) {}

  /** Checks that the caller has a profile: users answers only the caller about themselves. */
  async checkUser(userId: string): Promise<void> {
    const user = await this.users.get(`/users/${encodeURIComponent(userId)}`, { [USER_ID_HEADER]: userId });
    if (user.status === 404 || user.status === 400) {
      throw new HttpProblem(422, `User ${userId} does not exist.`, {
        errors: [{ field: USER_ID_HEADER, message: 'unknown user' }],
      });
    }
    if (user.status !== 200) throw dependencyProblem('users', user.status);
  }

  /**
   * Prices every line with one batched lookup (`GET /internal/products?sku=…`, only orders may call
   * it; idempotent, so the mesh may
   * retry it). An unknown or retired sku is a 422 naming each such line.
   */
  async price(lines: readonly OrderLine[]): Promise<PricedOrder> {
    const skus = [...new Set(lines.map((l) => l.sku))];
    const query = skus.map((sku) => `sku=${encodeURIComponent(sku)}`).join('&');
    const answer = await this.products.get<unknown>(`/internal/products?${query}`);
    if (answer.status !== 200) throw dependencyProblem('products', answer.status);
    const lookup = parseAnswer(productLookupAnswerSchema, answer.body);
    if ('broken' in lookup) throw brokenAnswer('products', lookup.broken);
    const bySku = new Map(lookup.value.items.map((p) => [p.sku, p]));

    const refused = lines.flatMap((line, i) => {
      const product = bySku.get(line.sku);
      const message =
        product === undefined
          ? `unknown sku ${line.sku}`
          : product.active
            ? undefined
            : `${line.sku} is no longer sold`;
      return message === undefined ? [] : [{ sku: line.sku, error: { field: `items.${i}.sku`, message } }];
    });
    if (refused.length > 0) {
      throw new HttpProblem(422, 'Some items cannot be ordered.', {
        errors: refused.map((r) => r.error),
        extensions: { skus: [...new Set(refused.map((r) => r.sku))] },
      });
    }
    const items = lines.map((line) => ({
      sku: line.sku,
      quantity: line.quantity,
      unitPriceCents: bySku.get(line.sku)!.priceCents,
    }));
    const currencies = [...new Set(lines.map((line) => bySku.get(line.sku)!.currency))];
    if (currencies.length !== 1) {
      throw new HttpProblem(422, `One order takes one currency; these items are in ${currencies.join(', ')}.`, {
        errors: [{ field: 'items', message: 'mixed currencies' }],
      });
    }
    return { items, totalCents: totalOf(items), currency: currencies[0]! };
  }

  /**
   * Authorizes the order's total under the order's own id, and checks that what payments authorized
   * is exactly that amount in that currency: anything else is refused, never confirmed.
   */
  async authorize(userId: string, orderId: string, amountCents: number, currency: string): Promise<string> {
    const payment = await this.payments.post<unknown>('/authorizations', {
      orderKey: orderId,
      userId,
      amountCents,
      currency,
    });
    if (payment.status === 402) {
      const problem = problemAnswerSchema.safeParse(payment.body);
      const detail = (problem.success ? problem.data.detail : undefined) ?? 'Payment declined.';
      throw new HttpProblem(402, detail, { title: 'Payment Declined' });
    }
    if (payment.status !== 201) throw dependencyProblem('payments', payment.status);
    const authorization = parseAnswer(authorizationAnswerSchema, payment.body);
    if ('broken' in authorization) throw brokenAnswer('payments', authorization.broken);
    const authorized = authorization.value;
    if (authorized.amountCents !== amountCents || authorized.currency !== currency) {
      throw new HttpProblem(
        502,
        `payments authorized ${authorized.amountCents} ${authorized.currency} for order ${orderId}, not ${amountCents} ${currency}: the order is not confirmed.`,
      );
    }
    return authorized.id;
  }
}

/** A 2xx answer that breaks the provider's contract (@mesh-kit/catalog/answers): a bad gateway, not our fault. */
function brokenAnswer(service: string, how: string): HttpProblem {
  return new HttpProblem(502, `${service} answered outside its contract (${how}).`);
}

function dependencyProblem(service: string, status: number): HttpProblem {
  return status >= 500
    ? new HttpProblem(503, `${service} is unavailable (answered ${status}).`)
    : new HttpProblem(502, `${service} answered ${status} unexpectedly.`);
}
