-- Up Migration
-- One row per approved authorization, keyed by the order's own id: a repeat of the same key with
-- the same user, amount and currency answers the same authorization; any other use of the key is a
-- 409. The rows of the last window are also what the per-user velocity limit counts.
CREATE TABLE authorizations (
  order_key text PRIMARY KEY,
  id uuid NOT NULL UNIQUE,
  user_id text NOT NULL,
  amount_cents bigint NOT NULL CHECK (amount_cents > 0),
  currency text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX authorizations_by_user ON authorizations (user_id, created_at DESC);

-- Down Migration
DROP TABLE authorizations;
