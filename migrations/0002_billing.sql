-- Billing data as the billing system hands it over. Amounts are integer minor units (cents or
-- stotinki), never floating point. Invoices issued before the euro (2026-01-01) are in leva; every
-- balance is kept in euro cents, converted at the fixed rate 1.95583 and rounded half up.

CREATE TABLE customers (
  customer_number text PRIMARY KEY CONSTRAINT customer_number_digits CHECK (customer_number ~ '^[0-9]{4,16}$'),
  name            text NOT NULL CHECK (btrim(name) <> '' AND length(name) <= 200),
  street          text NOT NULL CHECK (length(street) <= 200),
  town            text NOT NULL CHECK (btrim(town) <> '' AND length(town) <= 100),
  postcode        text NOT NULL CHECK (postcode ~ '^[0-9]{4}$'),
  customer_class  text NOT NULL CHECK (customer_class IN ('household', 'business')),
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now()
);
-- Name look-up in the back office (prefix and substring).
CREATE INDEX customers_name_idx ON customers (lower(name) text_pattern_ops);

CREATE TABLE invoices (
  invoice_number   text PRIMARY KEY CHECK (invoice_number ~ '^[0-9A-Za-z/-]{1,30}$'),
  customer_number  text NOT NULL REFERENCES customers,
  issue_date       date NOT NULL,
  due_date         date NOT NULL,
  amount_minor     bigint NOT NULL CHECK (amount_minor >= 0 AND amount_minor < 100000000000),
  currency         text NOT NULL CHECK (currency IN ('EUR', 'BGN')),
  -- Integer half-up division by 1.95583: (x * 200000 + 195583) / 391166.
  amount_eur_minor bigint GENERATED ALWAYS AS (
    CASE WHEN currency = 'EUR' THEN amount_minor ELSE (amount_minor * 200000 + 195583) / 391166 END
  ) STORED,
  -- Sum of the allocations of every payment to this invoice (settled or in transit), in euro cents.
  paid_eur_minor   bigint NOT NULL DEFAULT 0 CHECK (paid_eur_minor >= 0),
  created_at       timestamptz NOT NULL DEFAULT now(),
  updated_at       timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT invoice_due_after_issue CHECK (due_date >= issue_date),
  CONSTRAINT invoice_currency_by_issue_date CHECK ((currency = 'BGN') = (issue_date < DATE '2026-01-01'))
);
CREATE INDEX invoices_customer_idx ON invoices (customer_number, due_date);
-- Dunning reads only the unpaid ones.
CREATE INDEX invoices_unpaid_due_idx ON invoices (due_date, customer_number) WHERE paid_eur_minor < amount_eur_minor;

CREATE TABLE payments (
  payment_reference text PRIMARY KEY CHECK (payment_reference ~ '^[0-9A-Za-z/_.:-]{1,64}$'),
  customer_number   text NOT NULL REFERENCES customers,
  invoice_number    text REFERENCES invoices,
  amount_minor      bigint NOT NULL CHECK (amount_minor > 0 AND amount_minor < 100000000000),
  currency          text NOT NULL CHECK (currency IN ('EUR', 'BGN')),
  amount_eur_minor  bigint GENERATED ALWAYS AS (
    CASE WHEN currency = 'EUR' THEN amount_minor ELSE (amount_minor * 200000 + 195583) / 391166 END
  ) STORED,
  paid_at           timestamptz NOT NULL,
  channel           text NOT NULL CHECK (channel IN ('bank', 'cash_desk', 'epay', 'easypay', 'direct_debit', 'card', 'other')),
  status            text NOT NULL CHECK (status IN ('in_transit', 'settled')),
  settled_at        timestamptz,
  -- What was left over after allocation: a credit on the customer's account.
  unallocated_eur_minor bigint NOT NULL DEFAULT 0 CHECK (unallocated_eur_minor >= 0),
  source            text NOT NULL CHECK (source IN ('import', 'api')),
  idempotency_key   text UNIQUE,
  request_hash      text,
  created_at        timestamptz NOT NULL DEFAULT now(),
  updated_at        timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT settled_has_time CHECK ((status = 'settled') = (settled_at IS NOT NULL))
);
CREATE INDEX payments_customer_idx ON payments (customer_number, paid_at);
CREATE INDEX payments_invoice_idx ON payments (invoice_number) WHERE invoice_number IS NOT NULL;
CREATE INDEX payments_paid_at_idx ON payments (paid_at);

CREATE TABLE payment_allocations (
  payment_reference text NOT NULL REFERENCES payments ON DELETE CASCADE,
  invoice_number    text NOT NULL REFERENCES invoices,
  amount_eur_minor  bigint NOT NULL CHECK (amount_eur_minor > 0),
  PRIMARY KEY (payment_reference, invoice_number)
);
CREATE INDEX payment_allocations_invoice_idx ON payment_allocations (invoice_number);

CREATE TABLE subscriptions (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_number text NOT NULL REFERENCES customers,
  channel         text NOT NULL CHECK (channel IN ('sms', 'email')),
  address         text NOT NULL,
  status          text NOT NULL CHECK (status IN ('pending', 'active', 'unsubscribed')),
  verified_at     timestamptz,
  source          text NOT NULL CHECK (source IN ('online', 'centre', 'import')),
  consent_version text NOT NULL CHECK (consent_version <> ''),
  consent_at      timestamptz NOT NULL,
  lang            text NOT NULL DEFAULT 'bg' CHECK (lang IN ('bg', 'en')),
  hard_failures   integer NOT NULL DEFAULT 0 CHECK (hard_failures >= 0),
  needs_attention boolean NOT NULL DEFAULT false,
  created_at      timestamptz NOT NULL DEFAULT now(),
  updated_at      timestamptz NOT NULL DEFAULT now(),
  ended_at        timestamptz,
  -- Why it ended: replaced by a newer contact, cancelled by the customer (or staff for them), or
  -- given up after hard failures. Only a cancellation stops a migration from bringing it back.
  end_reason      text CHECK (end_reason IN ('replaced', 'cancelled', 'failed')),
  CONSTRAINT subscription_address_format CHECK (
    (channel = 'sms' AND address ~ '^\+[1-9][0-9]{7,14}$')
    OR (channel = 'email' AND address ~ '^[^@\s]+@[^@\sA-Z]+\.[^@\sA-Z]+$')
  ),
  CONSTRAINT active_is_verified CHECK (status <> 'active' OR verified_at IS NOT NULL),
  CONSTRAINT ended_iff_unsubscribed CHECK ((status = 'unsubscribed') = (ended_at IS NOT NULL AND end_reason IS NOT NULL))
);
-- One active phone and one active email per customer.
CREATE UNIQUE INDEX subscriptions_one_active_idx ON subscriptions (customer_number, channel) WHERE status = 'active';
CREATE INDEX subscriptions_customer_idx ON subscriptions (customer_number);
CREATE INDEX subscriptions_address_idx ON subscriptions (address) WHERE status <> 'unsubscribed';
