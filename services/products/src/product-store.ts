import type pg from 'pg';

export interface Product {
  readonly sku: string;
  readonly name: string;
  readonly priceCents: number;
  readonly currency: string;
  /** False once retired: still readable by sku, never listed, never orderable. */
  readonly active: boolean;
}

/** One page of the catalogue, in sku order; `next` is the last sku of the page when more follow. */
export interface ProductPage {
  readonly items: readonly Product[];
  readonly next: string | undefined;
}

const COLUMNS = 'sku, name, price_cents AS "priceCents", currency, active';

export class ProductStore {
  constructor(private readonly pool: pg.Pool) {}

  /** Active products with a sku after `after`, in sku order (keyset pagination: stable under inserts). */
  async list(limit: number, after: string | undefined): Promise<ProductPage> {
    const { rows } = await this.pool.query<Product>(
      `SELECT ${COLUMNS} FROM products
       WHERE active AND ($1::text IS NULL OR sku COLLATE "C" > $1)
       ORDER BY sku COLLATE "C" LIMIT $2`,
      [after ?? null, limit + 1],
    );
    const items = rows.slice(0, limit);
    return { items, next: rows.length > limit ? items.at(-1)?.sku : undefined };
  }

  async find(sku: string): Promise<Product | undefined> {
    const { rows } = await this.pool.query<Product>(`SELECT ${COLUMNS} FROM products WHERE sku = $1`, [sku]);
    return rows[0];
  }

  /** The products among `skus`, active or not; skus the catalogue does not hold are simply absent. */
  async findMany(skus: readonly string[]): Promise<Product[]> {
    // Named: on every new order's path, so each pooled connection parses and plans it only once.
    const { rows } = await this.pool.query<Product>({
      name: 'products.find-many',
      text: `SELECT ${COLUMNS} FROM products WHERE sku = ANY($1::text[]) ORDER BY sku COLLATE "C"`,
      values: [skus],
    });
    return rows;
  }
}
