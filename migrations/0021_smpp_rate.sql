-- The SMSC's rate limit shared by every worker process bound to it (SMPP_RATE_SCOPE=shared): one
-- token bucket per bind (system_id@host:port), refilled by the database's clock and taken from in
-- small batches with one statement each (src/delivery/smpp/shared-rate.ts). UNLOGGED: the row is
-- written tens of times a second and worth nothing after a crash (an empty bucket refills in a
-- tenth of a second).
CREATE UNLOGGED TABLE smpp_rate_buckets (
  key text PRIMARY KEY,
  tokens double precision NOT NULL CHECK (tokens >= 0),
  refilled_at timestamptz NOT NULL
);
