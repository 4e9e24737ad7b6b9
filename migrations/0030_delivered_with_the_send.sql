-- izvestie_journal_write (migrations 0025-0026) delivering a message in the same UPDATE that records
-- its send, when its receipts are already known (issue 15, goal 3). An SMSC sends the receipt of a
-- part right after its submit_sm_resp, often before it: in bench:dispatch (1 part, w50) 19,805 of
-- 20,000 sends came in the same journal write as their DELIVRD receipt. The send was recorded 'sent'
-- and a later statement of the same write delivered it: two new versions of the row, each written
-- into every index of outbox_messages (a status change is never a HOT update; index insertions were
-- a fifth of PostgreSQL's CPU). Now a send whose every part has a DELIVRD receipt, waiting in the
-- table or in this write, and no receipt of another status, is recorded 'delivered' at once, at the
-- time of its last part's receipt, as izvestie_settle_receipts would have settled it. Anything else
-- (a failure, a receipt still ENROUTE, a part without receipt) takes the old way.
--
-- Returns as before; a 'sent' row's `delivered` says the send was recorded delivered, and a receipt
-- row's `delivered` is true also when its message was delivered with its send in this call.
CREATE OR REPLACE FUNCTION izvestie_journal_write(
  p_provider text, p_now timestamptz,
  s_id bigint[], s_attempt bigint[], s_worker text[], s_ts timestamptz[], s_answer text[], s_ids text[],
  s_segments int[], s_encoding text[], s_cost int[],
  r_provider text[], r_pmid text[], r_status text[], r_error text[], r_raw text[], r_received timestamptz[], r_named bigint[])
RETURNS TABLE (kind text, message_id bigint, linked boolean, provider text, provider_message_id text, status text, message_status text, delivered boolean)
LANGUAGE plpgsql VOLATILE
-- As in 0026: every statement looks rows up by key, whatever the planner guesses of a GIN look-up.
SET enable_seqscan = off SET jit = off SET max_parallel_workers_per_gather = 0
AS $$
#variable_conflict use_column
DECLARE
  lookup text[] := ARRAY(SELECT u.p FROM unnest(r_pmid, r_named) AS u(p, nm) WHERE u.nm IS NULL);
  sent_ids text[] := ARRAY(SELECT j.i FROM unnest(s_ids) AS sj(ids), jsonb_array_elements_text(sj.ids::jsonb) AS j(i));
  -- The receipts waiting for these sends: read once, after the locks, for the delivery and the links.
  w_id bigint[];
  w_pmid text[];
  w_status text[];
  w_at timestamptz[];
  -- The sends delivered with their record, and when.
  f_id bigint[] := '{}';
  f_at timestamptz[] := '{}';
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
    -- Looked up id by id (a LATERAL subquery kept apart by OFFSET 0 is planned for one id at a time).
    SELECT coalesce(array_agg(w.id), '{}'), coalesce(array_agg(u.pmid), '{}'), coalesce(array_agg(w.status), '{}'), coalesce(array_agg(w.received_at), '{}')
    INTO w_id, w_pmid, w_status, w_at
    FROM unnest(sent_ids) AS u(pmid)
      CROSS JOIN LATERAL (SELECT r.id, r.status, r.received_at FROM delivery_receipts r
        WHERE r.message_id IS NULL AND r.provider = p_provider AND r.provider_message_id = u.pmid OFFSET 0) w;

    SELECT coalesce(array_agg(d.id), '{}'), coalesce(array_agg(d.at), '{}') INTO f_id, f_at
    FROM (
      SELECT sj.id, max(k.at) AS at
      FROM unnest(s_id, s_ids) AS sj(id, ids)
        CROSS JOIN jsonb_array_elements_text(sj.ids::jsonb) AS j(pmid)
        -- The receipts of the parts as they will be stored: of equal ones the first (a waiting one,
        -- else the first in this write), as the unique key and ON CONFLICT DO NOTHING keep it.
        LEFT JOIN (
          SELECT DISTINCT ON (x.pmid, x.status) x.pmid, x.status, x.at
          FROM (
            SELECT kw.pmid, kw.status, kw.at, 0::bigint AS n FROM unnest(w_pmid, w_status, w_at) AS kw(pmid, status, at)
            UNION ALL
            SELECT g.pmid, g.status, g.at, g.n FROM unnest(r_provider, r_pmid, r_status, r_received, r_named) WITH ORDINALITY AS g(p, pmid, status, at, named, n)
            WHERE g.p = p_provider AND g.named IS NULL
          ) x
          ORDER BY x.pmid, x.status, x.n
        ) k ON k.pmid = j.pmid
      GROUP BY sj.id
      HAVING bool_and(k.status = 'DELIVRD') IS TRUE AND count(DISTINCT k.pmid) = count(DISTINCT j.pmid)
    ) d;

    RETURN QUERY
    WITH s AS (
      SELECT t.*, f.at AS delivered_at
      FROM unnest(s_id, s_attempt, s_worker, s_ts, s_answer, s_ids, s_segments, s_encoding, s_cost)
        AS t(id, attempt_id, worker, ts, answer, ids, segments, encoding, cost_minor)
        LEFT JOIN unnest(f_id, f_at) AS f(id, at) ON f.id = t.id
    ), accepted AS (
      UPDATE message_attempts a SET outcome = 'accepted', finished_at = s.ts, answer = s.answer, error = NULL
      FROM s WHERE a.id = s.attempt_id
    ), sent AS (
      UPDATE outbox_messages o
      SET status = CASE WHEN s.delivered_at IS NULL THEN 'sent' ELSE 'delivered' END,
          sent_at = s.ts, updated_at = s.ts, provider = p_provider,
          provider_message_ids = ARRAY(SELECT jsonb_array_elements_text(s.ids::jsonb)),
          segments = s.segments, encoding = s.encoding, cost_minor = s.cost_minor,
          delivered_at = coalesce(s.delivered_at, o.delivered_at), final_at = s.delivered_at,
          leased_by = NULL, lease_until = NULL, last_error = NULL
      FROM s
      WHERE o.id = s.id AND ((o.status = 'sending' AND o.leased_by = s.worker) OR o.status = 'queued') IS TRUE
      RETURNING o.id, o.provider_message_ids, o.status
    ), linked AS (
      UPDATE delivery_receipts r SET message_id = x.id
      FROM unnest(w_id, w_pmid) AS w(id, provider_message_id),
        (SELECT sent.id, u.pmid FROM sent, unnest(sent.provider_message_ids) AS u(pmid)) x
      WHERE r.id = w.id AND w.provider_message_id = x.pmid AND (r.message_id IS NULL) IS TRUE
      RETURNING r.message_id
    )
    -- A delivered send's linked receipts have nothing left to settle.
    SELECT 'sent'::text, sent.id, sent.status = 'sent' AND sent.id IN (SELECT l.message_id FROM linked l), NULL::text, NULL::text, NULL::text, NULL::text,
      sent.status = 'delivered'
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
      ins.message_id IN (SELECT d.id FROM delivered d) OR (ins.message_id = ANY(f_id) AND found.status = 'delivered')
    FROM ins LEFT JOIN found ON found.provider = ins.provider AND found.pmid = ins.provider_message_id;
  END IF;
END
$$;
