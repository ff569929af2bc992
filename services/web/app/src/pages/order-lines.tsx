import { money, type Order } from '../model.js';

/** An order's lines at the unit prices it was charged. */
export function OrderLines({ order }: { readonly order: Order }) {
  return (
    <table>
      <thead>
        <tr>
          <th scope="col">Item</th>
          <th scope="col">Quantity</th>
          <th scope="col">Unit price charged</th>
        </tr>
      </thead>
      <tbody>
        {order.items.map((i) => (
          <tr key={i.sku}>
            <td>{i.sku}</td>
            <td>{i.quantity}</td>
            <td>{money(i.unitPriceCents, order.currency)}</td>
          </tr>
        ))}
      </tbody>
      <tfoot>
        <tr>
          <th scope="row" colSpan={2}>
            Total charged
          </th>
          <td data-testid="total">{money(order.totalCents, order.currency)}</td>
        </tr>
      </tfoot>
    </table>
  );
}
