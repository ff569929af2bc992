import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { cart } from '../cart.js';
import { money, type Product } from '../model.js';
import { ProblemNotice } from '../problem-notice.js';
import { useLoad, useShop } from '../shop.js';

export function ProductPage() {
  const { api } = useShop();
  const sku = useParams().sku ?? '';
  const [quantity, setQuantity] = useState(1);
  const [added, setAdded] = useState(false);
  const { data, problem, reload } = useLoad(
    () => api.call<Product>(`/products/${encodeURIComponent(sku)}`, { label: `product ${sku}` }),
    [api, sku],
  );
  if (problem !== undefined) return <ProblemNotice problem={problem} onRetry={reload} />;
  if (data === undefined) return <p>Loading…</p>;
  return (
    <section aria-labelledby="product">
      <h1 id="product">{data.name}</h1>
      <p className="price">{money(data.priceCents, data.currency)}</p>
      <p className="sku">Item {data.sku}</p>
      {data.active ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            cart.add(data, quantity);
            setAdded(true);
          }}
        >
          <label htmlFor="quantity">Quantity</label>
          <input
            id="quantity"
            type="number"
            min={1}
            max={99}
            value={quantity}
            onChange={(e) => setQuantity(Math.max(1, Math.min(99, Number(e.target.value) || 1)))}
          />
          <button type="submit">Add to cart</button>
        </form>
      ) : (
        <p className="retired">This item is no longer sold.</p>
      )}
      {added ? (
        <p role="status">
          Added to your cart. <Link to="/cart">Go to the cart</Link>
        </p>
      ) : null}
    </section>
  );
}
