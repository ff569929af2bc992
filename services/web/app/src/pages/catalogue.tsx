import { Link, useSearchParams } from 'react-router';
import { money, type ProductPage } from '../model.js';
import { ProblemNotice } from '../problem-notice.js';
import { useLoad, useShop } from '../shop.js';

const PAGE_SIZE = 4;

/** The catalogue, a page at a time (the products API's opaque cursor), no sign-in needed. */
export function CataloguePage() {
  const { api } = useShop();
  const [params] = useSearchParams();
  const cursor = params.get('cursor');
  const page = Number(params.get('page') ?? '1');
  const query = `limit=${PAGE_SIZE}${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`;
  const { data, problem, loading, reload } = useLoad(
    () => api.call<ProductPage>(`/products?${query}`, { label: 'the catalogue page' }),
    [api, query],
  );
  return (
    <section aria-labelledby="catalogue">
      <h1 id="catalogue">Catalogue</h1>
      {problem !== undefined ? <ProblemNotice problem={problem} onRetry={reload} /> : null}
      {/* A page being fetched shows no stale items: the page number and the list change together. */}
      {data === undefined || loading ? (
        problem === undefined ? (
          <p>Loading…</p>
        ) : null
      ) : (
        <>
          <ul className="products">
            {data.items.map((p) => (
              <li key={p.sku}>
                <Link to={`/products/${encodeURIComponent(p.sku)}`}>{p.name}</Link>
                <span className="price">{money(p.priceCents, p.currency)}</span>
                {p.active ? null : <span className="retired">no longer sold</span>}
              </li>
            ))}
          </ul>
          <nav aria-label="Pages" className="pager">
            {page > 1 ? <Link to="/">First page</Link> : null}
            <span>Page {page}</span>
            {data.nextCursor === null ? null : (
              <Link to={`/?cursor=${encodeURIComponent(data.nextCursor)}&page=${page + 1}`}>Next page</Link>
            )}
          </nav>
        </>
      )}
    </section>
  );
}
