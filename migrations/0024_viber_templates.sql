-- The Viber text of a message template (issue 14, point 4), edited in the back office beside the SMS.
-- NULL: the notice's Viber message carries the SMS text as written (not transliterated), as
-- versions saved before this did. Viber Business Messages take up to 1,000 characters once
-- rendered; the template editor judges that with the longest values (src/backoffice/templates-store.ts).
ALTER TABLE message_templates ADD COLUMN viber text CHECK (viber <> '' AND char_length(viber) <= 1000);
