-- The statements a worker sends for every group of messages, as PL/pgSQL functions for their plans
-- (issue 15, goal 3). Sent as statements of their own, each was parsed, analyzed and planned on
-- every call; a function keeps its statements' plans for the life of the connection (after five
-- custom plans, a generic one when it costs no more). pg_stat_statements of a bench:dispatch run of
-- 20,000 messages: the start of attempts was planned 539 times (157 ms), the guard of dunning
-- notices 208 times (187 ms: 0.9 ms a plan, for four subqueries), the settling of receipts that
-- came before their send's record 152 times (73 ms); the journal function of migration 0025 was
-- planned 16-18 times in 330 calls. The plans are generic from the first call (plan_cache_mode): with
-- arrays for parameters the planner cannot tell a custom plan from a generic one by cost, and kept
-- planning the settling anew (107 plans in 149 calls). Every row is still found by its key, whatever the statistics say
-- (migration 0026): the same statements, with the same "IS TRUE" tests.

-- startAttempts (src/delivery/outbox/record.ts): renews the leases this worker still holds once half
-- gone, stores the texts rendered at send time where none was stored, and opens one attempt per
-- message; one row per attempt opened. A message whose lease was lost gets no row, and is not sent.
-- The lease is left as it is while more than half of it is left (the worker holds no more messages
-- than it can send in half a lease, worker.ts): the update then changes no indexed column and can be
-- a HOT update, which writes no entry into the dozen indexes of outbox_messages, when the page has
-- room for the new version (fillfactor, at the end of this file).
CREATE FUNCTION izvestie_start_attempts(
  p_provider text, p_id bigint[], p_worker text[], p_now timestamptz[], p_lease_until timestamptz[],
  p_subject text[], p_html text[], p_body text[], p_template_version int[])
RETURNS TABLE (attempt_id bigint, message_id bigint)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off SET jit = off SET max_parallel_workers_per_gather = 0 SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH b AS (
    SELECT * FROM unnest(p_id, p_worker, p_now, p_lease_until, p_subject, p_html, p_body, p_template_version)
      AS t(id, worker, now, lease_until, subject, html, body, template_version)
  ), leased AS (
    UPDATE outbox_messages o
    SET attempts = o.attempts + 1, first_attempt_at = COALESCE(o.first_attempt_at, b.now), updated_at = b.now,
        lease_until = CASE WHEN o.lease_until - b.now < (b.lease_until - b.now) / 2 THEN b.lease_until ELSE o.lease_until END,
        subject = CASE WHEN o.body IS NULL THEN b.subject ELSE o.subject END,
        html = CASE WHEN o.body IS NULL THEN b.html ELSE o.html END,
        template_version = CASE WHEN o.body IS NULL THEN b.template_version ELSE o.template_version END,
        body = COALESCE(o.body, b.body)
    FROM b
    WHERE o.id = b.id AND (o.status = 'sending' AND o.leased_by = b.worker) IS TRUE
    RETURNING o.id, o.attempts, b.worker, b.now
  ), started AS (
    INSERT INTO message_attempts (message_id, attempt, worker, provider, started_at)
    SELECT l.id, l.attempts, l.worker, p_provider, l.now FROM leased l
    RETURNING message_attempts.id, message_attempts.message_id
  )
  SELECT s.id, s.message_id FROM started s;
END
$$;

-- settleReceipts (src/delivery/outbox/settle.ts): of the sent messages given (locked by the caller's
-- transaction), those whose receipts settle them: any part failed (the first failure by receipt id:
-- its status, error and time), or every part delivered, which this statement records. Each message
-- is looked up by its id (a LATERAL subquery with LIMIT is planned for one row at a time).
CREATE FUNCTION izvestie_settle_receipts(p_ids bigint[], p_now timestamptz, p_failed text[])
RETURNS TABLE (id bigint, failure text, failure_error text, failure_at timestamptz, delivered boolean)
LANGUAGE plpgsql VOLATILE
SET enable_seqscan = off SET jit = off SET max_parallel_workers_per_gather = 0 SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  WITH m AS (
    SELECT o.id, greatest(1, cardinality(o.provider_message_ids)) AS parts
    FROM unnest(p_ids) AS x(id)
      CROSS JOIN LATERAL (SELECT q.id, q.provider_message_ids FROM outbox_messages q WHERE q.id = x.id AND (q.status = 'sent') IS TRUE LIMIT 1) o
  ), v AS (
    SELECT m.id, m.parts,
      count(DISTINCT r.provider_message_id) FILTER (WHERE r.status = 'DELIVRD') AS delivered_parts,
      max(r.received_at) FILTER (WHERE r.status = 'DELIVRD') AS last,
      (array_agg(r.status ORDER BY r.id) FILTER (WHERE r.status = ANY(p_failed)))[1] AS failure,
      (array_agg(r.error ORDER BY r.id) FILTER (WHERE r.status = ANY(p_failed)))[1] AS failure_error,
      (array_agg(r.received_at ORDER BY r.id) FILTER (WHERE r.status = ANY(p_failed)))[1] AS failure_at
    FROM m JOIN delivery_receipts r ON r.message_id = m.id
    GROUP BY m.id, m.parts
  ), done AS (
    UPDATE outbox_messages o SET status = 'delivered', delivered_at = v.last, final_at = v.last, updated_at = p_now
    FROM v WHERE o.id = v.id AND v.failure IS NULL AND v.delivered_parts >= v.parts
    RETURNING o.id
  )
  SELECT v.id, v.failure, v.failure_error, v.failure_at, v.id IN (SELECT d.id FROM done d)
  FROM v WHERE v.failure IS NOT NULL OR v.delivered_parts >= v.parts
  ORDER BY v.id;
END
$$;

-- The rule that stops a dunning notice (src/dunning/stop-notices.ts), moved here from the SQL text
-- the guard and the cancelling statement shared: the messages of `p_ids` no longer wanted, with why.
-- A notice names its invoices and the stage's minimum: once what is still due on them (in-transit
-- payments count as paid) is below that minimum it stops; so does any hold active today in Sofia. A
-- message that names no invoices (not made by the run) is judged by the holds alone. STABLE: it
-- sees what the calling statement sees (a payment recorded earlier in the caller's transaction).
CREATE FUNCTION izvestie_stale_notices(p_ids bigint[])
RETURNS TABLE (id bigint, reason text)
LANGUAGE plpgsql STABLE
SET jit = off SET max_parallel_workers_per_gather = 0 SET plan_cache_mode = force_generic_plan
AS $$
#variable_conflict use_column
BEGIN
  RETURN QUERY
  SELECT x.id, x.reason FROM (
    SELECT m.id,
      CASE
        WHEN h.reasons IS NOT NULL THEN 'hold: ' || h.reasons
        WHEN jsonb_typeof(m.payload->'invoices') IS DISTINCT FROM 'array' THEN NULL
        WHEN d.remaining = 0 THEN 'invoices paid'
        WHEN d.remaining < (m.payload->>'min_eur_minor')::bigint THEN 'paid: the rest is below the minimum'
      END AS reason
    FROM outbox_messages m
      CROSS JOIN LATERAL (
        SELECT string_agg(DISTINCT hd.reason, ', ') AS reasons FROM dunning_holds hd
        WHERE hd.customer_number = m.customer_number AND hd.released_at IS NULL AND hd.until >= (now() AT TIME ZONE 'Europe/Sofia')::date
      ) h
      CROSS JOIN LATERAL (
        SELECT coalesce(sum(i.amount_eur_minor - i.paid_eur_minor), 0) AS remaining FROM invoices i
        WHERE jsonb_typeof(m.payload->'invoices') = 'array'
          AND i.invoice_number IN (SELECT jsonb_array_elements_text(m.payload->'invoices')) AND i.paid_eur_minor < i.amount_eur_minor
      ) d
    WHERE m.id = ANY(p_ids)
  ) x
  WHERE x.reason IS NOT NULL;
END
$$;

-- Room on each page for the versions a message goes through (queued, claimed, started, sent,
-- delivered): the start can then be a HOT update, and the others stay on their page. Pages already
-- written keep their layout; new ones are filled to 70%. Every row changes four times, so the space
-- a page keeps free is what updates would otherwise leave dead on it until a vacuum.
ALTER TABLE outbox_messages SET (fillfactor = 70);
