-- The durable outbox: every message is a row written in the same transaction as the decision
-- behind it, then sent by the delivery worker. Nothing is ever deleted by the engine, so every
-- message, attempt and receipt stays visible.
--
-- Set-based enqueue from SQL (e.g. 100,000 overdue notices in one statement):
--
--   INSERT INTO outbox_messages
--     (business_key, kind, customer_number, subscription_id, channel, recipient, lang,
--      subject, body, html, fallback, payload, not_before, expires_at, urgent)
--   SELECT ... FROM ...
--   ON CONFLICT (business_key) DO NOTHING;
--
-- Required: business_key (unique forever: a rerun of the same decision must produce the same key),
-- kind, channel, recipient (E.164 phone, email address, or the postal address block for 'letter').
-- body may be NULL: the worker then renders subject/body/html from kind, channel, lang and payload
-- right before sending and stores what it sent. Defaults: lang 'bg', fallback '{}', payload '{}',
-- not_before now(), urgent false, status 'queued'. Leave every other column to its default.

CREATE TABLE outbox_messages (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  business_key         text NOT NULL UNIQUE CHECK (business_key <> '' AND length(business_key) <= 300),
  kind                 text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
  customer_number      text REFERENCES customers,
  subscription_id      bigint REFERENCES subscriptions,
  channel              text NOT NULL CHECK (channel IN ('sms', 'email', 'letter')),
  recipient            text NOT NULL CHECK (recipient <> ''),
  lang                 text NOT NULL DEFAULT 'bg' CHECK (lang IN ('bg', 'en')),
  subject              text,
  body                 text,
  html                 text,
  -- The channels still to try, in order, when this one fails for good.
  fallback             text[] NOT NULL DEFAULT '{}' CHECK (fallback <@ ARRAY['sms', 'email', 'letter']::text[] AND array_position(fallback, NULL) IS NULL),
  parent_id            bigint REFERENCES outbox_messages,
  -- Template variables, and what the guard needs (invoice numbers, minimum amount, code id).
  payload              jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(payload) = 'object'),
  -- A customer is waiting for it right now (a verification code): claimed first, sent in quiet hours.
  urgent               boolean NOT NULL DEFAULT false,
  status               text NOT NULL DEFAULT 'queued'
                         CHECK (status IN ('queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'cancelled')),
  not_before           timestamptz NOT NULL DEFAULT now(),
  expires_at           timestamptz,
  attempts             integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
  first_attempt_at     timestamptz,
  leased_by            text,
  lease_until          timestamptz,
  provider             text,
  provider_message_ids text[] NOT NULL DEFAULT '{}',
  segments             integer CHECK (segments > 0),
  encoding             text,
  cost_minor           integer CHECK (cost_minor >= 0),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now(),
  sent_at              timestamptz,
  delivered_at         timestamptz,
  final_at             timestamptz,
  cancel_reason        text,
  last_error           text,
  CONSTRAINT outbox_lease_iff_sending CHECK ((status = 'sending') = (leased_by IS NOT NULL AND lease_until IS NOT NULL)),
  CONSTRAINT outbox_cancel_reason CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)),
  CONSTRAINT outbox_final_time CHECK ((status IN ('delivered', 'failed', 'expired', 'cancelled')) = (final_at IS NOT NULL))
);
-- The claim: due queued rows of one channel, urgent first, oldest first.
CREATE INDEX outbox_due_idx ON outbox_messages (channel, urgent DESC, not_before, id) WHERE status = 'queued';
-- Take-over of leases left by a dead worker.
CREATE INDEX outbox_lease_idx ON outbox_messages (lease_until) WHERE status = 'sending';
-- Delivery receipts name the provider's ids.
CREATE INDEX outbox_provider_ids_idx ON outbox_messages USING gin (provider_message_ids);
CREATE INDEX outbox_customer_idx ON outbox_messages (customer_number, created_at) WHERE customer_number IS NOT NULL;
CREATE INDEX outbox_parent_idx ON outbox_messages (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX outbox_sandbox_idx ON outbox_messages (id) WHERE provider = 'sandbox';

-- One row per try to hand a message to a provider. outcome NULL: in flight (or its worker died;
-- the take-over then records 'unknown', since the provider may have accepted it).
CREATE TABLE message_attempts (
  id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  message_id  bigint NOT NULL REFERENCES outbox_messages,
  attempt     integer NOT NULL CHECK (attempt > 0),
  worker      text NOT NULL,
  provider    text NOT NULL,
  started_at  timestamptz NOT NULL,
  finished_at timestamptz,
  outcome     text CHECK (outcome IN ('accepted', 'transient', 'permanent', 'unknown')),
  answer      text,
  error       text,
  UNIQUE (message_id, attempt),
  CONSTRAINT attempt_finished_has_outcome CHECK ((outcome IS NULL) = (finished_at IS NULL))
);
CREATE INDEX message_attempts_open_idx ON message_attempts (message_id) WHERE outcome IS NULL;

-- Every receipt as received (a duplicate is stored once). message_id NULL: not matched yet; a
-- receipt can arrive before the send result is recorded and is applied when it is.
CREATE TABLE delivery_receipts (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  provider            text NOT NULL,
  provider_message_id text NOT NULL CHECK (provider_message_id <> ''),
  status              text NOT NULL CHECK (status ~ '^[A-Z_]{1,20}$'),
  error               text,
  received_at         timestamptz NOT NULL DEFAULT now(),
  raw                 text,
  message_id          bigint REFERENCES outbox_messages,
  UNIQUE (provider, provider_message_id, status)
);
CREATE INDEX delivery_receipts_message_idx ON delivery_receipts (message_id) WHERE message_id IS NOT NULL;
CREATE INDEX delivery_receipts_waiting_idx ON delivery_receipts (provider, provider_message_id) WHERE message_id IS NULL;
