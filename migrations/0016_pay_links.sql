-- The payment page of a notice (/p/<ref>): the daily run writes a random ref into each notice's
-- payload; the page finds the notice by it. A fallback message copies its notice's payload, so the
-- ref can appear on a few rows: the page reads the first. Only notices carry a ref: the index holds
-- nothing for other messages.
CREATE INDEX outbox_messages_pay_ref_idx ON outbox_messages ((payload->>'pay_ref')) WHERE payload ? 'pay_ref';

-- Views of payment pages per client address (PAY_PAGE_IP_REQUESTS_PER_HOUR).
ALTER TABLE portal_counters DROP CONSTRAINT portal_counters_scope_check;
ALTER TABLE portal_counters ADD CONSTRAINT portal_counters_scope_check
  CHECK (scope IN ('customer', 'ip_attempt', 'ip_failure', 'ip_code', 'sms_budget', 'ip_pay'));
