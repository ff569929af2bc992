-- Up Migration
-- Prices come from products, not from the client: a reservation holds only the lines asked for
-- (sku, quantity); confirming stores the lines as charged (with each unit price products answered),
-- the total and the currency. A confirmed order always has them, and every line its unit price.
ALTER TABLE orders ALTER COLUMN total_cents DROP NOT NULL;
ALTER TABLE orders ALTER COLUMN currency DROP NOT NULL;
ALTER TABLE orders ADD CONSTRAINT orders_confirmed_priced CHECK (
  status = 'pending' OR (
    total_cents IS NOT NULL AND currency IS NOT NULL
    AND NOT jsonb_path_exists(items, '$[*] ? (!exists(@.unitPriceCents) || @.unitPriceCents.type() != "number")')
  )
);

-- Down Migration
ALTER TABLE orders DROP CONSTRAINT orders_confirmed_priced;
DELETE FROM orders WHERE total_cents IS NULL OR currency IS NULL;
ALTER TABLE orders ALTER COLUMN currency SET NOT NULL;
ALTER TABLE orders ALTER COLUMN total_cents SET NOT NULL;
