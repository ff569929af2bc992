-- Up Migration
-- The catalogue. Prices are whole cents in one ISO 4217 currency; a retired product stays (old
-- orders name it) but is inactive: it is not listed and cannot be ordered.
CREATE TABLE products (
  sku text PRIMARY KEY CHECK (sku ~ '^[A-Za-z0-9._-]{1,64}$'),
  name text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
  price_cents integer NOT NULL CHECK (price_cents > 0),
  currency text NOT NULL CHECK (currency ~ '^[A-Z]{3}$'),
  active boolean NOT NULL DEFAULT true
);

-- The demo shop's small catalogue. espresso-9 costs more than payments' default decline limit
-- (100000 cents); poster-21 is retired.
INSERT INTO products (sku, name, price_cents, currency, active) VALUES
  ('book-7', 'Paperback: Designing Data-Intensive Applications', 1999, 'EUR', true),
  ('cap-007', 'Cap', 1800, 'EUR', true),
  ('espresso-9', 'Espresso machine', 129900, 'EUR', true),
  ('mug-001', 'Mug', 1200, 'EUR', true),
  ('poster-21', 'Poster, first edition', 3500, 'EUR', false),
  ('poster-22', 'Poster', 4000, 'EUR', true),
  ('sticker-3', 'Sticker', 300, 'EUR', true),
  ('tea-01', 'Sencha tea, 100 g', 450, 'EUR', true),
  ('tee-014', 'T-shirt', 2500, 'EUR', true);

-- Down Migration
DROP TABLE products;
