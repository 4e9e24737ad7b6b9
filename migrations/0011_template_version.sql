-- Which version of its template rendered a message (0: the shipped default; NULL: a text written
-- by hand, or not rendered yet). The customer's timeline shows it, so staff can tell which wording
-- a customer received after a template was edited.
ALTER TABLE outbox_messages ADD COLUMN template_version integer CHECK (template_version >= 0);
