-- Up Migration
-- One authorization in one round trip: the same steps the service took in a transaction of its own
-- (the stored authorization of a known key; the per-payment limit; the user's velocity counted under
-- a per-user advisory lock, the key read again under it; the insert), as one function call. Under
-- READ COMMITTED each statement of a VOLATILE function reads a new snapshot, so the count after the
-- lock sees every authorization committed before it, as the separate statements did; the lock holds
-- until the call's transaction commits, right after the insert.
CREATE FUNCTION authorize_payment(
  p_order_key text,
  p_id uuid,
  p_user_id text,
  p_amount_cents bigint,
  p_currency text,
  p_decline_above_cents bigint,
  p_velocity_max_count int,
  p_velocity_max_cents bigint,
  p_velocity_window_seconds int
) RETURNS TABLE (outcome text, auth_id uuid, auth_user_id text, auth_amount_cents bigint, auth_currency text)
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
  recent_count int;
  recent_cents bigint;
BEGIN
  RETURN QUERY SELECT 'known', a.id, a.user_id, a.amount_cents, a.currency
    FROM authorizations a WHERE a.order_key = p_order_key;
  IF FOUND THEN RETURN; END IF;
  IF p_amount_cents > p_decline_above_cents THEN
    RETURN QUERY SELECT 'declined', NULL::uuid, NULL::text, NULL::bigint, NULL::text;
    RETURN;
  END IF;
  PERFORM pg_advisory_xact_lock(hashtextextended(p_user_id, 0));
  RETURN QUERY SELECT 'known', a.id, a.user_id, a.amount_cents, a.currency
    FROM authorizations a WHERE a.order_key = p_order_key;
  IF FOUND THEN RETURN; END IF;
  SELECT count(*)::int, coalesce(sum(a.amount_cents), 0) INTO recent_count, recent_cents
    FROM authorizations a
    WHERE a.user_id = p_user_id AND a.created_at > now() - p_velocity_window_seconds * interval '1 second';
  IF recent_count + 1 > p_velocity_max_count OR recent_cents + p_amount_cents > p_velocity_max_cents THEN
    RETURN QUERY SELECT 'declined', NULL::uuid, NULL::text, NULL::bigint, NULL::text;
    RETURN;
  END IF;
  RETURN QUERY INSERT INTO authorizations AS a (order_key, id, user_id, amount_cents, currency)
    VALUES (p_order_key, p_id, p_user_id, p_amount_cents, p_currency)
    RETURNING 'approved', a.id, a.user_id, a.amount_cents, a.currency;
END
$$;

-- Down Migration
DROP FUNCTION authorize_payment(text, uuid, text, bigint, text, bigint, int, bigint, int);
