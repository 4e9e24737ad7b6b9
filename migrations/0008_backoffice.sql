-- The back office: staff accounts and their sessions, versions of the message templates, the
-- approval of unusually large daily runs, and the indexes the customer look-up and the reports need.

-- Staff of the customer centres. Passwords are kept only as scrypt hashes, with the salt and the
-- cost parameters they were made with (so the cost can be raised without breaking old hashes).
CREATE TABLE staff_users (
  id                   bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  username             text NOT NULL UNIQUE CHECK (username ~ '^[a-z0-9][a-z0-9._-]{1,39}$'),
  display_name         text NOT NULL CHECK (btrim(display_name) <> '' AND length(display_name) <= 100),
  role                 text NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
  password_hash        bytea NOT NULL CHECK (length(password_hash) >= 16),
  password_salt        bytea NOT NULL CHECK (length(password_salt) >= 16),
  password_params      jsonb NOT NULL CHECK (jsonb_typeof(password_params) = 'object'),
  password_changed_at  timestamptz NOT NULL DEFAULT now(),
  -- RFC 6238 second factor: the shared secret once enrolled, and the last time step accepted
  -- (a code is good once: a step at or below it is refused).
  totp_secret          bytea,
  totp_last_step       bigint,
  failed_logins        integer NOT NULL DEFAULT 0 CHECK (failed_logins >= 0),
  locked_until         timestamptz,
  disabled_at          timestamptz,
  last_login_at        timestamptz,
  created_by           text NOT NULL CHECK (created_by <> ''),
  created_at           timestamptz NOT NULL DEFAULT now(),
  updated_at           timestamptz NOT NULL DEFAULT now()
);

-- A signed-in browser. The token is only in the staff member's cookie; the database keeps its
-- SHA-256. stage 'second_factor': the password was right and the TOTP code is awaited.
CREATE TABLE staff_sessions (
  token_hash   bytea PRIMARY KEY CHECK (length(token_hash) = 32),
  user_id      bigint NOT NULL REFERENCES staff_users ON DELETE CASCADE,
  stage        text NOT NULL CHECK (stage IN ('second_factor', 'active')),
  csrf         text NOT NULL CHECK (length(csrf) >= 32),
  data         jsonb NOT NULL DEFAULT '{}'::jsonb CHECK (jsonb_typeof(data) = 'object'),
  ip           text NOT NULL,
  created_at   timestamptz NOT NULL,
  last_seen_at timestamptz NOT NULL,
  -- The absolute end; the idle end is last_seen_at + the idle timeout.
  expires_at   timestamptz NOT NULL
);
CREATE INDEX staff_sessions_user_idx ON staff_sessions (user_id);
CREATE INDEX staff_sessions_expires_idx ON staff_sessions (expires_at);

-- Every saved version of a message template; the newest of a kind and language is in force, and
-- without any the shipped default is. Nothing is updated or deleted.
CREATE TABLE message_templates (
  kind          text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_]{0,62}$'),
  lang          text NOT NULL CHECK (lang IN ('bg', 'en')),
  version       integer NOT NULL CHECK (version > 0),
  sms           text NOT NULL CHECK (sms <> ''),
  email_subject text NOT NULL CHECK (email_subject <> ''),
  email_text    text NOT NULL CHECK (email_text <> ''),
  email_html    text NOT NULL CHECK (email_html <> ''),
  letter        text NOT NULL CHECK (letter <> ''),
  note          text,
  created_by    text NOT NULL CHECK (created_by <> ''),
  created_at    timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (kind, lang, version)
);

CREATE FUNCTION message_templates_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'message_templates is append-only: save a new version (% refused)', TG_OP;
END
$$;
CREATE TRIGGER message_templates_no_change BEFORE UPDATE OR DELETE ON message_templates
  FOR EACH ROW EXECUTE FUNCTION message_templates_append_only();

-- A real run that would send far more notices than usual waits here for a supervisor's decision.
CREATE TABLE dunning_run_approvals (
  run_date        date PRIMARY KEY,
  planned_notices integer NOT NULL CHECK (planned_notices >= 0),
  usual_notices   integer NOT NULL CHECK (usual_notices >= 0),
  requested_at    timestamptz NOT NULL DEFAULT now(),
  decision        text CHECK (decision IN ('approved', 'rejected')),
  decided_by      text,
  decided_at      timestamptz,
  note            text,
  CONSTRAINT run_approval_decided CHECK ((decision IS NULL) = (decided_by IS NULL) AND (decision IS NULL) = (decided_at IS NULL))
);

-- Look-up by phone (exact E.164) or email (prefix), current and past contacts alike.
CREATE INDEX subscriptions_address_lower_idx ON subscriptions (lower(address) text_pattern_ops);
-- The "contacts that need fixing" list.
CREATE INDEX subscriptions_attention_idx ON subscriptions (customer_number) WHERE needs_attention AND status = 'active';
-- Reports by month and /metrics over the last day.
CREATE INDEX outbox_created_idx ON outbox_messages (created_at);
CREATE INDEX message_attempts_finished_idx ON message_attempts (finished_at) WHERE finished_at IS NOT NULL;
-- A staff member's own trail.
CREATE INDEX audit_events_actor_idx ON audit_events (actor, at);
