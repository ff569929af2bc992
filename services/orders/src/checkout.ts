import { HttpProblem, type ServiceClient, USER_ID_HEADER } from '@mesh-kit/runtime';

/**
 * The synchronous critical path of an order: the user must exist and the payment must be
 * authorized. Each dependency's answer maps to one clear answer of ours; nothing is retried here
 * (the sidecar retries the idempotent calls).
 */
export class Checkout {
  constructor(
    private readonly users: ServiceClient,
    private readonly payments: ServiceClient,
  ) {}

  async authorize(userId: string, orderKey: string, amountCents: number, currency: string): Promise<string> {
    const user = await this.users.get(`/users/${encodeURIComponent(userId)}`);
    if (user.status === 404 || user.status === 400) {
      throw new HttpProblem(422, `User ${userId} does not exist.`, {
        errors: [{ field: USER_ID_HEADER, message: 'unknown user' }],
      });
    }
    if (user.status !== 200) throw dependencyProblem('users', user.status);

    const payment = await this.payments.post<{ id?: unknown; detail?: unknown }>('/authorizations', {
      orderKey,
      userId,
      amountCents,
      currency,
    });
    if (payment.status === 402) {
      const detail = typeof payment.body?.detail === 'string' ? payment.body.detail : 'Payment declined.';
      throw new HttpProblem(402, detail, { title: 'Payment Declined' });
    }
    if (payment.status !== 201 || typeof payment.body?.id !== 'string')
      throw dependencyProblem('payments', payment.status);
    return payment.body.id;
  }
}

function dependencyProblem(service: string, status: number): HttpProblem {
  return status >= 500
    ? new HttpProblem(503, `${service} is unavailable (answered ${status}).`)
    : new HttpProblem(502, `${service} answered ${status} unexpectedly.`);
}
