-- Up Migration
-- An order is first reserved (status 'pending', no payment yet) in a short statement, then the
-- dependencies are called with no connection held, then it is confirmed together with its outbox
-- row. `claim` names the request that holds the reservation; `pending_until` is when a reservation
-- whose request vanished (a crash) may be taken over by a retry with the same key.
ALTER TABLE orders ALTER COLUMN payment_id DROP NOT NULL;
ALTER TABLE orders ADD COLUMN claim uuid;
ALTER TABLE orders ADD COLUMN pending_until timestamptz;

-- Down Migration
ALTER TABLE orders DROP COLUMN pending_until;
ALTER TABLE orders DROP COLUMN claim;
DELETE FROM orders WHERE payment_id IS NULL;
ALTER TABLE orders ALTER COLUMN payment_id SET NOT NULL;
