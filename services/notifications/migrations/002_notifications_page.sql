-- Up Migration
-- The list's keyset order (newest first, the id breaking ties): a page starts where the cursor
-- points without scanning the pages before it.
CREATE INDEX notifications_page ON notifications (user_id, sent_at DESC, id DESC);
DROP INDEX notifications_by_user;

-- Down Migration
CREATE INDEX notifications_by_user ON notifications (user_id, sent_at DESC);
DROP INDEX notifications_page;
