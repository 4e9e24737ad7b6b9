-- Several SMS providers with failover: each worker process judges the health of every provider
-- it sends through (binds, timeouts, failure rate) and writes each change here, so the back
-- office and /metrics, which may run in another process, show it. One row per provider and
-- worker; the providers page shows the latest report per provider. Which provider sent what is
-- already on every attempt (message_attempts.provider).
CREATE TABLE sms_provider_health (
  provider   text NOT NULL CHECK (provider ~ '^[a-z0-9][a-z0-9_-]{0,31}$'),
  worker     text NOT NULL,
  healthy    boolean NOT NULL,
  reason     text NOT NULL,
  changed_at timestamptz NOT NULL,
  last_error text,
  last_error_at timestamptz,
  updated_at timestamptz NOT NULL,
  PRIMARY KEY (provider, worker)
);
CREATE INDEX sms_provider_health_latest_idx ON sms_provider_health (provider, updated_at DESC);
