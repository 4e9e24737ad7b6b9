-- Lifecycle messages beyond the overdue notices (issue 13): pre-due reminders, payment received,
-- supply restored and the yearly contact check. The messages are outbox_messages rows with the
-- business keys 'predue:{customer}:{invoice}', 'paid:{customer}:{oldest due}',
-- 'restored:{customer}:{listing oldest due}' and 'check:{subscription}:{year}'.

-- A customer asks for a reminder a few working days before a bill falls due (the policy may also
-- send it to everyone subscribed). Set in the portal's manage page or at a customer centre.
ALTER TABLE subscriptions ADD COLUMN predue_opt_in boolean NOT NULL DEFAULT false;
-- The last yearly "is this still your contact?" message (its run) and the customer's answer.
ALTER TABLE subscriptions ADD COLUMN contact_checked_at timestamptz;
ALTER TABLE subscriptions ADD COLUMN contact_confirmed_at timestamptz;

-- The daily contact check looks for active subscriptions last verified or confirmed long ago.
CREATE INDEX subscriptions_contact_check_idx ON subscriptions ((coalesce(contact_confirmed_at, verified_at))) WHERE status = 'active';
