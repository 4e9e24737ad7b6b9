-- Portal limits that one identity, one contact or one check at a time must not slip past.

-- Emails are one contact whatever the case of their letters (Case.Victim@ and case.victim@ reach one
-- mailbox): every limit and cap compares lower(address), while the address is kept as typed.
DROP INDEX verification_codes_address_idx;
CREATE INDEX verification_codes_address_ci_idx ON verification_codes (lower(address), created_at);
-- Codes and destinations per customer number per day.
CREATE INDEX verification_codes_customer_idx ON verification_codes (customer_number, created_at);

-- The identity check, as in 0005, except that a lock on the customer number is taken before its
-- lock is read. Without it, parallel guesses on a pooled server all read "not locked" before
-- any of them counted its failure, and more than the allowed number were evaluated. Now the checks
-- of one customer number run one after the other (for the moment of one index look-up each), and
-- each sees the failures and the lock of those before it.
CREATE OR REPLACE FUNCTION portal_identity_check(
  p_customer text, p_invoice text, p_ip text, p_now timestamptz,
  p_ip_window interval, p_ip_attempts integer, p_ip_failures integer,
  p_window interval, p_failures integer, p_lock_base interval, p_lock_max interval
) RETURNS TABLE (outcome text, retry_after_seconds integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_attempts   integer;
  v_attempt_ws timestamptz;
  v_failures   integer;
  v_failure_ws timestamptz;
  v_locked     timestamptz;
  v_match      boolean;
BEGIN
  PERFORM set_config('synchronous_commit', 'off', true);

  INSERT INTO portal_counters AS c (scope, key, window_start, hits) VALUES ('ip_attempt', p_ip, p_now, 1)
  ON CONFLICT (scope, key) DO UPDATE SET
    hits = CASE WHEN c.window_start > p_now - p_ip_window THEN c.hits + 1 ELSE 1 END,
    window_start = CASE WHEN c.window_start > p_now - p_ip_window THEN c.window_start ELSE p_now END
  RETURNING c.hits, c.window_start INTO v_attempts, v_attempt_ws;
  SELECT c.hits, c.window_start INTO v_failures, v_failure_ws
    FROM portal_counters c WHERE c.scope = 'ip_failure' AND c.key = p_ip AND c.window_start > p_now - p_ip_window;
  IF v_attempts > p_ip_attempts OR coalesce(v_failures, 0) >= p_ip_failures THEN
    RETURN QUERY SELECT 'rate_limited'::text, greatest(1, ceil(extract(epoch FROM
      CASE WHEN coalesce(v_failures, 0) >= p_ip_failures THEN v_failure_ws ELSE v_attempt_ws END + p_ip_window - p_now))::integer);
    RETURN;
  END IF;

  -- Until this statement commits, no other check of the number reads its lock or counts.
  PERFORM pg_advisory_xact_lock(hashtextextended('portal-identity:' || p_customer, 0));
  SELECT c.locked_until INTO v_locked FROM portal_counters c WHERE c.scope = 'customer' AND c.key = p_customer;
  SELECT EXISTS (
    SELECT 1 FROM invoices i
     WHERE i.invoice_number = p_invoice AND i.customer_number = p_customer
       AND i.issue_date >= ((p_now AT TIME ZONE 'Europe/Sofia')::date - interval '12 months')::date
       AND i.issue_date <= (p_now AT TIME ZONE 'Europe/Sofia')::date
  ) INTO v_match;
  IF v_match AND (v_locked IS NULL OR v_locked <= p_now) THEN
    RETURN QUERY SELECT 'ok'::text, 0;
    RETURN;
  END IF;

  -- A failure. The same three writes whatever the cause.
  INSERT INTO portal_counters AS c (scope, key, window_start, hits) VALUES ('customer', p_customer, p_now, 1)
  ON CONFLICT (scope, key) DO UPDATE SET
    hits = CASE WHEN c.window_start > p_now - p_window THEN c.hits + 1 ELSE 1 END,
    window_start = CASE WHEN c.window_start > p_now - p_window THEN c.window_start ELSE p_now END;
  -- The failure that reaches the limit locks the number: base × 2^(earlier locks), at most the max.
  UPDATE portal_counters c SET
    locks = CASE WHEN c.locked_until IS NULL OR c.locked_until < p_now - interval '1 day' THEN 1 ELSE c.locks + 1 END,
    locked_until = p_now + least(p_lock_max, p_lock_base * power(2, CASE WHEN c.locked_until IS NULL OR c.locked_until < p_now - interval '1 day' THEN 0 ELSE least(c.locks, 20) END)),
    hits = 0,
    window_start = p_now
  WHERE c.scope = 'customer' AND c.key = p_customer AND c.hits >= p_failures AND (c.locked_until IS NULL OR c.locked_until <= p_now);
  INSERT INTO portal_counters AS c (scope, key, window_start, hits) VALUES ('ip_failure', p_ip, p_now, 1)
  ON CONFLICT (scope, key) DO UPDATE SET
    hits = CASE WHEN c.window_start > p_now - p_ip_window THEN c.hits + 1 ELSE 1 END,
    window_start = CASE WHEN c.window_start > p_now - p_ip_window THEN c.window_start ELSE p_now END;
  RETURN QUERY SELECT 'not_matched'::text, 0;
END
$$;
