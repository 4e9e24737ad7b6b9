-- izvestie_journal_write (migration 0025) with every row found by its key, whatever the table's
-- statistics say (issue 15, goal 4). The statuses of outbox_messages swing by the hour: ANALYZE of
-- years of history finds nearly every row 'delivered' and none 'queued', 'sending' or 'sent', so the
-- planner took "status = 'sent'" to match one row and read the whole partial index of that status
-- (outbox_awaiting_report_idx; for the sends outbox_due_idx and outbox_lease_idx) instead of looking
-- each row of the write up by id: on 10 million old messages with 20,000 queued, a journal write of
-- 158 sends read all 19,990 queued or sending rows (21 of its 30 ms), and one of 102 receipts
-- compared each with every message awaiting its receipt (10,302 rows). In production those are the
-- day's backlog and the receipts still to come: the cost of a write grew with them.
-- "(condition) IS TRUE" says the same for a row, but no partial index predicate is proven by it,
-- so the only way to the rows left is their key. Receipts that were waiting are found by
-- (provider, provider_message_id), one index look-up per id, instead of reading every waiting
-- receipt of the provider (those never matched stay forever).
CREATE OR REPLACE FUNCTION izvestie_journal_write(
  p_provider text, p_now timestamptz,
  s_id bigint[], s_attempt bigint[], s_worker text[], s_ts timestamptz[], s_answer text[], s_ids text[],
  s_segments int[], s_encoding text[], s_cost int[],
  r_provider text[], r_pmid text[], r_status text[], r_error text[], r_raw text[], r_received timestamptz[], r_named bigint[])
RETURNS TABLE (kind text, message_id bigint, linked boolean, provider text, provider_message_id text, status text, message_status text, delivered boolean)
LANGUAGE plpgsql VOLATILE
-- The planner cannot estimate a GIN look-up of ids that each occur once (it guesses thousands of rows
-- and scans the table, or on years of history plans it in parallel and JIT-compiles it): every
-- statement here looks rows up by key.
SET enable_seqscan = off SET jit = off SET max_parallel_workers_per_gather = 0
AS $$
#variable_conflict use_column
DECLARE
  lookup text[] := ARRAY(SELECT u.p FROM unnest(r_pmid, r_named) AS u(p, nm) WHERE u.nm IS NULL);
  -- The receipts that were waiting for these sends are looked up id by id (a LATERAL subquery kept
  -- apart by OFFSET 0 is planned for one id at a time), not by joining the sends to them: believing
  -- the statistics, the planner joined them by provider alone, reading every waiting receipt of the
  -- provider for each send.
  sent_ids text[] := ARRAY(SELECT j.i FROM unnest(s_ids) AS sj(ids), jsonb_array_elements_text(sj.ids::jsonb) AS j(i));
BEGIN
  -- Sends take their ids exclusive, receipts shared (an id in both: exclusive), in one fixed order so
  -- that two writers cannot deadlock.
  PERFORM count(CASE WHEN ordered.x THEN pg_advisory_xact_lock(7270, ordered.h) ELSE pg_advisory_xact_lock_shared(7270, ordered.h) END)
  FROM (
    SELECT hashtext(t.p || chr(31) || t.i) AS h, bool_or(t.x) AS x
    FROM (
      SELECT p_provider AS p, j.i, true AS x FROM unnest(s_ids) AS sj(ids), jsonb_array_elements_text(sj.ids::jsonb) AS j(i)
      UNION ALL
      SELECT u.p, u.i, false FROM unnest(r_provider, r_pmid) AS u(p, i)
    ) t
    GROUP BY 1 ORDER BY 1
  ) ordered;

  IF cardinality(s_id) > 0 THEN
    RETURN QUERY
    WITH s AS (
      SELECT * FROM unnest(s_id, s_attempt, s_worker, s_ts, s_answer, s_ids, s_segments, s_encoding, s_cost)
        AS t(id, attempt_id, worker, ts, answer, ids, segments, encoding, cost_minor)
    ), accepted AS (
      UPDATE message_attempts a SET outcome = 'accepted', finished_at = s.ts, answer = s.answer, error = NULL
      FROM s WHERE a.id = s.attempt_id
    ), sent AS (
      UPDATE outbox_messages o
      SET status = 'sent', sent_at = s.ts, updated_at = s.ts, provider = p_provider,
          provider_message_ids = ARRAY(SELECT jsonb_array_elements_text(s.ids::jsonb)),
          segments = s.segments, encoding = s.encoding, cost_minor = s.cost_minor,
          leased_by = NULL, lease_until = NULL, last_error = NULL
      FROM s
      WHERE o.id = s.id AND ((o.status = 'sending' AND o.leased_by = s.worker) OR o.status = 'queued') IS TRUE
      RETURNING o.id, o.provider_message_ids
    ), waiting AS MATERIALIZED (
      SELECT w.id, u.pmid AS provider_message_id
      FROM unnest(sent_ids) AS u(pmid)
        CROSS JOIN LATERAL (SELECT r.id FROM delivery_receipts r WHERE r.message_id IS NULL AND r.provider = p_provider AND r.provider_message_id = u.pmid OFFSET 0) w
    ), linked AS (
      UPDATE delivery_receipts r SET message_id = x.id
      FROM waiting w, (SELECT sent.id, u.pmid FROM sent, unnest(sent.provider_message_ids) AS u(pmid)) x
      WHERE r.id = w.id AND w.provider_message_id = x.pmid AND (r.message_id IS NULL) IS TRUE
      RETURNING r.message_id
    )
    SELECT 'sent'::text, sent.id, sent.id IN (SELECT l.message_id FROM linked l), NULL::text, NULL::text, NULL::text, NULL::text, NULL::boolean
    FROM sent;
  END IF;

  IF cardinality(r_pmid) > 0 THEN
    -- The messages are looked up for the whole group at once: one GIN index scan for every id.
    -- Inserted in input order: of two equal receipts in one group, the first is the one stored. A
    -- DELIVRD receipt of a sent one-part message is all there is to know: settled here (the UPDATE
    -- waits for a row lock and looks again at the row's status); everything else by the caller.
    RETURN QUERY
    WITH i AS (
      SELECT * FROM unnest(r_provider, r_pmid, r_status, r_error, r_raw, r_received, r_named) WITH ORDINALITY
        AS t(provider, pmid, status, error, raw, received_at, named, n)
    ), found AS (
      SELECT DISTINCT ON (o.provider, x.pmid) o.provider, x.pmid, o.id, o.status
      FROM outbox_messages o CROSS JOIN LATERAL unnest(o.provider_message_ids) AS x(pmid)
      WHERE o.provider_message_ids && lookup AND x.pmid = ANY(lookup)
      ORDER BY o.provider, x.pmid, o.id DESC
    ), ins AS (
      INSERT INTO delivery_receipts (provider, provider_message_id, status, error, raw, received_at, message_id)
      SELECT i.provider, i.pmid, i.status, i.error, i.raw, i.received_at,
        CASE WHEN i.named IS NOT NULL THEN (SELECT o.id FROM outbox_messages o WHERE o.id = i.named) ELSE found.id END
      FROM i LEFT JOIN found ON i.named IS NULL AND found.provider = i.provider AND found.pmid = i.pmid
      ORDER BY i.n
      ON CONFLICT (provider, provider_message_id, status) DO NOTHING
      RETURNING provider, provider_message_id, status, message_id, received_at
    ), delivered AS (
      UPDATE outbox_messages o SET status = 'delivered', delivered_at = ins.received_at, final_at = ins.received_at, updated_at = p_now
      FROM ins
      WHERE o.id = ins.message_id AND ins.status = 'DELIVRD' AND (o.status = 'sent') IS TRUE AND cardinality(o.provider_message_ids) <= 1
      RETURNING o.id
    )
    SELECT 'receipt'::text, ins.message_id, NULL::boolean, ins.provider, ins.provider_message_id, ins.status, found.status,
      ins.message_id IN (SELECT d.id FROM delivered d)
    FROM ins LEFT JOIN found ON found.provider = ins.provider AND found.pmid = ins.provider_message_id;
  END IF;
END
$$;
