-- Up Migration
-- Each orders.placed event is counted once: its id goes into processed_events in the same
-- transaction as the counter updates, so a redelivery finds it and adds nothing.
CREATE TABLE processed_events (
  event_id uuid PRIMARY KEY,
  processed_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE daily_stats (
  day date PRIMARY KEY,
  orders bigint NOT NULL,
  revenue_cents bigint NOT NULL
);

CREATE TABLE user_stats (
  user_id text PRIMARY KEY,
  orders bigint NOT NULL,
  revenue_cents bigint NOT NULL,
  last_order_at timestamptz NOT NULL
);

-- Down Migration
DROP TABLE user_stats;
DROP TABLE daily_stats;
DROP TABLE processed_events;
