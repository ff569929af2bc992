import { Link } from 'react-router';
import { cart, useCart } from '../cart.js';
import { money } from '../model.js';

export function CartPage() {
  const lines = useCart();
  if (lines.length === 0) {
    return (
      <section aria-labelledby="cart">
        <h1 id="cart">Your cart</h1>
        <p>
          Your cart is empty. <Link to="/">Browse the catalogue</Link>
        </p>
      </section>
    );
  }
  const currency = lines[0]?.currency ?? 'EUR';
  const total = lines.reduce((sum, l) => sum + l.quantity * l.priceCents, 0);
  return (
    <section aria-labelledby="cart">
      <h1 id="cart">Your cart</h1>
      <table>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col">Quantity</th>
            <th scope="col">Price shown</th>
            <th scope="col">
              <span className="visually-hidden">Remove</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {lines.map((l) => (
            <tr key={l.sku}>
              <td>{l.name}</td>
              <td>
                <input
                  aria-label={`Quantity of ${l.name}`}
                  type="number"
                  min={1}
                  max={99}
                  value={l.quantity}
                  onChange={(e) => cart.setQuantity(l.sku, Math.max(1, Math.min(99, Number(e.target.value) || 1)))}
                />
              </td>
              <td>{money(l.quantity * l.priceCents, l.currency)}</td>
              <td>
                <button type="button" onClick={() => cart.remove(l.sku)}>
                  Remove {l.name}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p>Total shown: {money(total, currency)} (the shop charges the prices of the moment you check out)</p>
      <Link to="/checkout" className="button">
        Go to checkout
      </Link>
    </section>
  );
}
