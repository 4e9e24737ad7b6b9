-- Viber with SMS fallback (issue 14, point 4): a 'viber' channel in the outbox, sent to the
-- customer's SMS subscription unless the customer opted out of Viber in the portal, and which
-- channel reached the customer when the provider falls back to SMS itself (Mobica's sms_text).
ALTER TABLE outbox_messages DROP CONSTRAINT IF EXISTS outbox_messages_channel_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_channel_check CHECK (channel IN ('sms', 'email', 'letter', 'viber'));
ALTER TABLE outbox_messages DROP CONSTRAINT IF EXISTS outbox_messages_fallback_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_fallback_check
  CHECK (fallback <@ ARRAY['sms', 'email', 'letter', 'viber']::text[] AND array_position(fallback, NULL) IS NULL);
-- Set from the delivery report of a delivered Viber message: 'viber', or 'sms' when the provider sent its SMS instead.
ALTER TABLE outbox_messages ADD COLUMN reached_via text CHECK (reached_via IN ('viber', 'sms'));

ALTER TABLE subscriptions ADD COLUMN viber_opt_out boolean NOT NULL DEFAULT false;

-- The Viber chores (src/delivery/viber/chores.ts) look only at Viber messages still waiting for a
-- report, or delivered without knowing by which channel: a small index, not a scan of the outbox.
CREATE INDEX outbox_viber_open_idx ON outbox_messages (sent_at, id)
  WHERE channel = 'viber' AND (status = 'sent' OR (status = 'delivered' AND reached_via IS NULL));
