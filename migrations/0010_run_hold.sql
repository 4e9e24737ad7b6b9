-- Run approval is enforced (issue 11). A daily run that would create far more notices than usual
-- creates them 'held': the worker and the letter export claim only 'queued' rows, so nothing of it
-- leaves until a supervisor approves (held -> queued) or rejects (held -> cancelled) the run. The
-- business keys of held notices block duplicates like any other, so a later run never repeats them.
ALTER TABLE outbox_messages DROP CONSTRAINT outbox_messages_status_check;
ALTER TABLE outbox_messages ADD CONSTRAINT outbox_messages_status_check
  CHECK (status IN ('held', 'queued', 'sending', 'sent', 'delivered', 'failed', 'expired', 'cancelled'));

-- One request per run that holds its notices (several runs of one day are decided together). The
-- former rows, one per day asked for before a run, belonged to a step nothing called and held
-- nothing; their decisions are in the audit trail.
DELETE FROM dunning_run_approvals;
ALTER TABLE dunning_run_approvals DROP CONSTRAINT dunning_run_approvals_pkey;
ALTER TABLE dunning_run_approvals ADD COLUMN run_id bigint NOT NULL PRIMARY KEY REFERENCES dunning_runs;
ALTER TABLE dunning_run_approvals ADD CONSTRAINT run_approval_rejected_reason
  CHECK (decision IS DISTINCT FROM 'rejected' OR btrim(coalesce(note, '')) <> '');
CREATE INDEX dunning_run_approvals_date_idx ON dunning_run_approvals (run_date);
