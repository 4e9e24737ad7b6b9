-- HTTP gateways that give delivery states only when asked (a status endpoint): when each sent
-- message is asked about next, so a batch of polls takes the longest-waiting messages and a
-- message is not asked about again before its interval. Messages leave the poll when their status
-- leaves 'sent' (delivered or failed by the answer), whatever this table still says.
CREATE TABLE http_sms_polls (
  message_id   bigint PRIMARY KEY REFERENCES outbox_messages (id) ON DELETE CASCADE,
  next_poll_at timestamptz NOT NULL,
  polls        integer NOT NULL DEFAULT 0 CHECK (polls >= 0)
);

-- Sent messages still waiting for their final state, per provider: what the poll looks through.
CREATE INDEX outbox_awaiting_report_idx ON outbox_messages (provider, sent_at) WHERE status = 'sent';
