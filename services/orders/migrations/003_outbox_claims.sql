-- Up Migration
-- A relay pass claims rows for a short lease in one statement, then publishes them with no
-- transaction open (no lock held across the broker round trip); a claim whose relay died lapses.
ALTER TABLE outbox ADD COLUMN claimed_until timestamptz;

-- Down Migration
ALTER TABLE outbox DROP COLUMN claimed_until;
