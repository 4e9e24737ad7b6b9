-- Dunning: the policy (versioned data), the days the government declares off or working, holds
-- that stop notices and disconnection, the record of every daily run, and who reached the
-- disconnection list when. The notices themselves are outbox_messages rows of kinds
-- overdue_reminder / overdue_second / overdue_final, with business key
-- 'dunning:{customer}:{stage}:{oldest_due_date}' and the run, stage and invoices in their payload.

-- Every version of the policy is kept: the newest is in force. Nothing is ever updated or deleted,
-- so "who changed what, when" is the difference between consecutive rows (also in audit_events).
CREATE TABLE dunning_policies (
  version    integer PRIMARY KEY CHECK (version > 0),
  policy     jsonb NOT NULL CHECK (jsonb_typeof(policy) = 'object'),
  created_by text NOT NULL CHECK (created_by <> ''),
  created_at timestamptz NOT NULL DEFAULT now(),
  note       text
);

CREATE FUNCTION dunning_policies_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'dunning_policies is append-only: save a new version (% refused)', TG_OP;
END
$$;
CREATE TRIGGER dunning_policies_no_change BEFORE UPDATE OR DELETE ON dunning_policies
  FOR EACH ROW EXECUTE FUNCTION dunning_policies_append_only();

-- Extra days off and working Saturdays the government declares; they override the statutory calendar.
CREATE TABLE calendar_overrides (
  date       date PRIMARY KEY,
  kind       text NOT NULL CHECK (kind IN ('day_off', 'working_day')),
  note       text NOT NULL CHECK (btrim(note) <> ''),
  created_by text NOT NULL CHECK (created_by <> ''),
  created_at timestamptz NOT NULL DEFAULT now()
);

-- While a hold is active (not released, until >= the day) the customer gets no notice and is not
-- listed for disconnection (EU Directive 2019/944 art. 28a for vulnerable customers and disputes).
CREATE TABLE dunning_holds (
  id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  customer_number text NOT NULL REFERENCES customers,
  reason          text NOT NULL CHECK (reason IN ('vulnerable', 'complaint', 'dispute', 'promise_to_pay', 'payment_plan')),
  -- The last day the hold applies (Sofia local date): a promise to pay until that day, a review date.
  until           date NOT NULL,
  note            text,
  created_by      text NOT NULL CHECK (created_by <> ''),
  created_at      timestamptz NOT NULL DEFAULT now(),
  released_at     timestamptz,
  released_by     text,
  CONSTRAINT hold_released_by CHECK ((released_at IS NULL) = (released_by IS NULL))
);
CREATE INDEX dunning_holds_active_idx ON dunning_holds (customer_number, until) WHERE released_at IS NULL;

-- One row per real run (a dry run writes nothing), with what it found and did.
CREATE TABLE dunning_runs (
  id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  run_date            date NOT NULL,
  trigger             text NOT NULL CHECK (trigger IN ('schedule', 'cli', 'api', 'demo')),
  actor               text NOT NULL CHECK (actor <> ''),
  policy_version      integer NOT NULL CHECK (policy_version >= 0),
  started_at          timestamptz NOT NULL,
  finished_at         timestamptz,
  overdue_customers   integer NOT NULL DEFAULT 0,
  notices_created     integer NOT NULL DEFAULT 0,
  disconnection_count integer NOT NULL DEFAULT 0,
  sms_segments        integer NOT NULL DEFAULT 0,
  sms_cost_minor      bigint NOT NULL DEFAULT 0,
  -- Per stage and channel: due, new, already sent, held, below the minimum, class not covered, no contact.
  figures             jsonb NOT NULL DEFAULT '[]'::jsonb
);
CREATE INDEX dunning_runs_date_idx ON dunning_runs (run_date, trigger);

-- The first run that found a customer at the disconnection stage, per overdue episode.
CREATE TABLE dunning_listings (
  customer_number text NOT NULL REFERENCES customers,
  oldest_due_date date NOT NULL,
  listed_on       date NOT NULL,
  run_id          bigint NOT NULL REFERENCES dunning_runs,
  PRIMARY KEY (customer_number, oldest_due_date)
);
CREATE INDEX dunning_listings_listed_idx ON dunning_listings (listed_on);

-- Reports and the per-run figures find a run's notices (and their fallbacks) by the run id.
CREATE INDEX outbox_dunning_run_idx ON outbox_messages (((payload->>'run_id')::bigint)) WHERE payload ? 'run_id';
