-- Up Migration
-- One row per "email sent". The unique event id (and order id) make handling an orders.placed
-- event idempotent: a redelivery finds its row and changes nothing.
CREATE TABLE notifications (
  id uuid PRIMARY KEY,
  event_id uuid NOT NULL UNIQUE,
  order_id text NOT NULL UNIQUE,
  user_id text NOT NULL,
  channel text NOT NULL,
  message text NOT NULL,
  trace_id text,
  occurred_at timestamptz NOT NULL,
  sent_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE INDEX notifications_by_user ON notifications (user_id, sent_at DESC);

-- Down Migration
DROP TABLE notifications;
