import { useRef, useState } from 'react';
import { Link } from 'react-router';
import type { Problem } from '../api.js';
import { cart, useCart } from '../cart.js';
import { attemptDone, attemptKey } from '../checkout-attempt.js';
import { money, type Order } from '../model.js';
import { OrderLines } from './order-lines.js';
import { ProblemNotice } from '../problem-notice.js';
import { problemOf, useShop } from '../shop.js';

export function CheckoutPage() {
  const { api } = useShop();
  const lines = useCart();
  const [placing, setPlacing] = useState(false);
  const inFlight = useRef(false);
  const [problem, setProblem] = useState<Problem | undefined>(undefined);
  const [order, setOrder] = useState<Order | undefined>(undefined);
  const names = new Map(lines.map((l) => [l.sku, l.name]));

  const place = async (): Promise<void> => {
    if (inFlight.current) return;
    inFlight.current = true;
    setPlacing(true);
    setProblem(undefined);
    const body = JSON.stringify({ items: lines.map((l) => ({ sku: l.sku, quantity: l.quantity })) });
    try {
      const placed = await api.call<Order>('/orders', {
        method: 'POST',
        body: JSON.parse(body) as unknown,
        headers: { 'idempotency-key': attemptKey(body) },
        signedIn: true,
        label: 'checkout: POST /api/orders',
      });
      attemptDone();
      cart.clear();
      setOrder(placed);
    } catch (error) {
      setProblem(problemOf(error));
    } finally {
      inFlight.current = false;
      setPlacing(false);
    }
  };

  if (order !== undefined) {
    return (
      <section aria-labelledby="confirmed">
        <h1 id="confirmed">Thank you: order placed</h1>
        <p>
          Order <Link to={`/orders/${order.id}`}>{order.id}</Link>, charged at these prices:
        </p>
        <OrderLines order={order} />
        <p>
          A confirmation is on its way: <Link to="/notifications">see your notifications</Link>.
        </p>
      </section>
    );
  }
  if (lines.length === 0) {
    return (
      <section aria-labelledby="checkout">
        <h1 id="checkout">Checkout</h1>
        <p>
          Your cart is empty. <Link to="/">Browse the catalogue</Link>
        </p>
      </section>
    );
  }
  const currency = lines[0]?.currency ?? 'EUR';
  return (
    <section aria-labelledby="checkout">
      <h1 id="checkout">Checkout</h1>
      <ul>
        {lines.map((l) => (
          <li key={l.sku}>
            {l.quantity} × {l.name} at {money(l.priceCents, l.currency)} (price shown)
          </li>
        ))}
      </ul>
      <p>
        Total shown:{' '}
        {money(
          lines.reduce((s, l) => s + l.quantity * l.priceCents, 0),
          currency,
        )}
      </p>
      {problem === undefined ? null : (
        <ProblemNotice problem={problem} onRetry={() => void place()} nameOf={(sku) => names.get(sku) ?? sku} />
      )}
      <button type="button" disabled={placing} onClick={() => void place()}>
        {placing ? 'Placing your order…' : 'Place order'}
      </button>
    </section>
  );
}
