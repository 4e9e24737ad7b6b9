-- The customer portal: flows (web sessions and app flow tokens), verification codes, and the
-- counters behind its rate limits. The counters live here, not in process memory, so that every web
-- process sees the same ones.

-- One row per flow. The token itself is only in the customer's cookie (or the app); the database
-- holds its SHA-256, so a copy of the table cannot be replayed.
CREATE TABLE portal_sessions (
  token_hash bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  data       jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL
);
CREATE INDEX portal_sessions_expires_idx ON portal_sessions (expires_at);

-- A 6-digit code is kept only as a salted scrypt hash. The message that carries it (an outbox row)
-- has its digits blanked once the code is used, replaced, exhausted or expired.
CREATE TABLE verification_codes (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  -- The flow that asked for it (no foreign key: flows are purged when they expire).
  session_hash    bytea NOT NULL,
  customer_number text NOT NULL REFERENCES customers,
  channel         text NOT NULL CHECK (channel IN ('sms', 'email')),
  address         text NOT NULL,
  purpose         text NOT NULL CHECK (purpose IN ('register', 'add', 'change', 'login')),
  subscription_id bigint REFERENCES subscriptions,
  salt            bytea NOT NULL,
  code_hash       bytea NOT NULL,
  tries           integer NOT NULL DEFAULT 0 CHECK (tries BETWEEN 0 AND 5),
  created_at      timestamptz NOT NULL,
  expires_at      timestamptz NOT NULL,
  used_at         timestamptz,
  replaced_at     timestamptz,
  message_id      bigint REFERENCES outbox_messages,
  scrubbed        boolean NOT NULL DEFAULT false,
  client_ip       text NOT NULL,
  CONSTRAINT verification_code_expiry CHECK (expires_at > created_at)
);
-- At most N codes per contact per day.
CREATE INDEX verification_codes_address_idx ON verification_codes (address, created_at);
-- The live code of a flow and channel.
CREATE INDEX verification_codes_flow_idx ON verification_codes (session_hash, channel) WHERE used_at IS NULL AND replaced_at IS NULL;
CREATE INDEX verification_codes_unscrubbed_idx ON verification_codes (expires_at) WHERE NOT scrubbed;
CREATE INDEX verification_codes_created_idx ON verification_codes (created_at);

-- Fixed-window counters: scope 'customer' (failed identity checks per customer number, existing or
-- not, with the lock and its back-off), 'ip_attempt', 'ip_failure', 'ip_code' (per client IP) and
-- 'sms_budget' (key 'global': verification SMS per hour).
CREATE TABLE portal_counters (
  scope        text NOT NULL CHECK (scope IN ('customer', 'ip_attempt', 'ip_failure', 'ip_code', 'sms_budget')),
  key          text NOT NULL CHECK (key <> '' AND length(key) <= 64),
  window_start timestamptz NOT NULL,
  hits         integer NOT NULL CHECK (hits >= 0),
  locked_until timestamptz,
  -- Locks so far; each doubles the next one. Forgotten a day after the last lock ended.
  locks        integer NOT NULL DEFAULT 0 CHECK (locks >= 0),
  PRIMARY KEY (scope, key)
);
CREATE INDEX portal_counters_window_idx ON portal_counters (window_start);

-- The identity check (customer number + the number of an invoice issued in the last 12 months),
-- in one statement so that every failure costs the same: an unknown customer number, an invoice
-- of another customer, an old invoice and a locked customer number all run the same statements on
-- one row each and answer 'not_matched'. A refused IP answers 'rate_limited' before any look-up.
-- Counter writes may be lost in a crash (asynchronous commit): a few forgotten failures are
-- cheaper than an fsync on every attempt.
CREATE FUNCTION portal_identity_check(
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
