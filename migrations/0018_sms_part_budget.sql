-- One SMS part per notice by default (operators charge per part). Each saved template version says
-- which letters its SMS goes out in and how many parts its worst case may take:
--   sms_script: 'latin' (transliterated by the 2009 Act, GSM-7, 160 characters a part) or
--               'cyrillic' (UCS-2, 70 characters a part). Versions saved before this keep going out as
--               written, so they are 'cyrillic'; new versions default to 'latin'.
--   sms_part_budget: a larger budget a supervisor set for this template; NULL: SMS_PART_BUDGET.
ALTER TABLE message_templates ADD COLUMN sms_script text NOT NULL DEFAULT 'cyrillic' CHECK (sms_script IN ('latin', 'cyrillic'));
ALTER TABLE message_templates ALTER COLUMN sms_script SET DEFAULT 'latin';
ALTER TABLE message_templates ADD COLUMN sms_part_budget integer CHECK (sms_part_budget BETWEEN 1 AND 10);
