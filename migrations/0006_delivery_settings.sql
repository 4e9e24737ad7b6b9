-- Secrets the program makes for itself on first start (e.g. the key that signs one-click
-- unsubscribe links), so that links in sent emails stay valid across restarts and processes.
CREATE TABLE app_secrets (
  name       text PRIMARY KEY,
  value      bytea NOT NULL CHECK (length(value) >= 32),
  created_at timestamptz NOT NULL DEFAULT now()
);
