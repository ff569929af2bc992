import { Link, useParams } from 'react-router';
import { money, type Order } from '../model.js';
import { OrderLines } from './order-lines.js';
import { ProblemNotice } from '../problem-notice.js';
import { useLoad, useShop } from '../shop.js';

export function OrdersPage() {
  const { api } = useShop();
  const { data, problem, reload } = useLoad(
    () => api.call<Order[]>('/orders', { signedIn: true, label: 'my orders' }),
    [api],
  );
  return (
    <section aria-labelledby="orders">
      <h1 id="orders">My orders</h1>
      {problem !== undefined ? <ProblemNotice problem={problem} onRetry={reload} /> : null}
      {data === undefined ? null : data.length === 0 ? (
        <p>No orders yet.</p>
      ) : (
        <ul className="orders">
          {data.map((o) => (
            <li key={o.id}>
              <Link to={`/orders/${o.id}`}>Order of {new Date(o.createdAt).toLocaleString('en')}</Link>{' '}
              {money(o.totalCents, o.currency)}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

export function OrderPage() {
  const { api } = useShop();
  const id = useParams().id ?? '';
  const { data, problem, reload } = useLoad(
    () => api.call<Order>(`/orders/${encodeURIComponent(id)}`, { signedIn: true, label: `order ${id}` }),
    [api, id],
  );
  return (
    <section aria-labelledby="order">
      <h1 id="order">Order</h1>
      {problem?.kind === 'notFound' || problem?.kind === 'refused' ? (
        <p role="alert">You have no order {id}.</p>
      ) : problem !== undefined ? (
        <ProblemNotice problem={problem} onRetry={reload} />
      ) : null}
      {data === undefined ? null : (
        <>
          <p>
            Order {data.id}, {data.status}, placed {new Date(data.createdAt).toLocaleString('en')}.
          </p>
          <OrderLines order={data} />
        </>
      )}
    </section>
  );
}
